// PLplot rendering of neural traces and rasters. PLplot keeps global state, so calls are
// serialised (the training curves' renderer has its own lock; both never run at once in the CLI).
#include "cajal/neuro/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>

#include "cajal/core/error.h"

#ifdef CAJAL_HAVE_PLPLOT
#include <plplot/plplot.h>
#endif

namespace cajal::neuro {

#ifdef CAJAL_HAVE_PLPLOT
namespace {

void draw_panel(const PlotPanel& p) {
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  auto fit = [&](double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y)) return;
    xmin = std::min(xmin, x), xmax = std::max(xmax, x), ymin = std::min(ymin, y), ymax = std::max(ymax, y);
  };
  for (const auto& l : p.lines)
    for (size_t i = 0; i < l.x.size(); ++i) fit(l.x[i], l.y[i]);
  if (p.raster) {
    fit(0.0, -0.5);
    fit(p.raster->duration * p.raster_time_scale, double(p.raster->num_neurons) - 0.5);
  }
  if (!std::isfinite(xmin)) xmin = 0, xmax = 1, ymin = 0, ymax = 1;
  if (xmax == xmin) xmax = xmin + 1;
  double pad = (ymax - ymin) * 0.06 + 1e-9;
  if (p.ymin != p.ymax) ymin = p.ymin, ymax = p.ymax, pad = 0;
  plcol0(15);
  plenv(xmin, xmax, ymin - pad, ymax + pad, 0, 2);
  pllab(p.xlabel.c_str(), p.ylabel.c_str(), p.title.c_str());
  const int colors[] = {1, 9, 3, 8, 12, 13, 2, 4};
  std::vector<PLINT> opts, text_colors, line_colors, line_styles;
  std::vector<PLFLT> line_widths;
  std::vector<const char*> texts;
  for (size_t k = 0; k < p.lines.size(); ++k) {
    const auto& l = p.lines[k];
    const int color = l.color >= 0 ? l.color : colors[k % 8];
    plcol0(color);
    plwidth(p.lines.size() > 8 ? 1.0 : 2.0);
    pllsty(l.dashed ? 2 : 1);
    if (!l.x.empty()) plline(PLINT(l.x.size()), l.x.data(), l.y.data());
    if (l.label.empty()) continue;
    opts.push_back(PL_LEGEND_LINE);
    text_colors.push_back(15);
    line_colors.push_back(color);
    line_styles.push_back(l.dashed ? 2 : 1);
    line_widths.push_back(2.0);
    texts.push_back(l.label.c_str());
  }
  pllsty(1);
  plwidth(1.0);
  if (p.raster) {
    plcol0(15);
    std::vector<double> x(p.raster->time.size()), y(p.raster->neuron.size());
    for (size_t i = 0; i < x.size(); ++i) x[i] = p.raster->time[i] * p.raster_time_scale, y[i] = p.raster->neuron[i];
    plssym(0.0, 0.6);
    if (!x.empty()) plpoin(PLINT(x.size()), x.data(), y.data(), 17);
    plssym(0.0, 1.0);
  }
  if (!texts.empty()) {
    const size_t n = texts.size();
    PLFLT w, h;
    std::vector<PLINT> zeros_i(n, 0);
    std::vector<PLFLT> zeros_f(n, 0.0);
    std::vector<const char*> empty(n, "");
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, PL_POSITION_TOP | PL_POSITION_RIGHT | PL_POSITION_INSIDE,
             0.02, 0.02, 0.1, 0, 15, 1, 0, 0, PLINT(n), opts.data(), 1.0, 1.0, 2.0, 1.0, text_colors.data(),
             texts.data(), zeros_i.data(), zeros_i.data(), zeros_f.data(), zeros_f.data(), line_colors.data(),
             line_styles.data(), line_widths.data(), zeros_i.data(), zeros_f.data(), zeros_i.data(), empty.data());
  }
}

}  // namespace
#endif

bool plot_figure(const std::string& path, const std::vector<PlotPanel>& panels, std::string* why, int width,
                 int panel_height) {
  if (panels.empty()) {
    if (why) *why = "no panels to plot";
    return false;
  }
#ifdef CAJAL_HAVE_PLPLOT
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  plsdev("pngcairo");
  plsfnam(path.c_str());
  plspage(0, 0, PLINT(width), PLINT(panel_height * int(panels.size())), 0, 0);
  plscolbg(255, 255, 255);
  plscol0(15, 0, 0, 0);  // foreground black on white
  plstar(1, PLINT(panels.size()));
  for (const auto& p : panels) draw_panel(p);
  plend();
  return true;
#else
  if (why) *why = "cajal was built without PLplot (apt-get install libplplot-dev plplot-driver-cairo)";
  (void)path, (void)width, (void)panel_height;
  return false;
#endif
}

void write_csv(const std::string& path, const std::vector<std::string>& header,
               const std::vector<std::vector<double>>& columns) {
  CAJAL_CHECK(header.size() == columns.size() && !columns.empty(), "write_csv",
              "expected one header name per column, got {} names for {} columns", header.size(), columns.size());
  const size_t rows = columns[0].size();
  for (size_t c = 0; c < columns.size(); ++c)
    CAJAL_CHECK(columns[c].size() == rows, "write_csv", "expected columns of equal length {}, column '{}' has {}",
                rows, header[c], columns[c].size());
  std::ofstream out(path);
  CAJAL_CHECK(bool(out), "write_csv", "cannot write '{}'", path);
  for (size_t c = 0; c < header.size(); ++c) out << (c ? "," : "") << header[c];
  out << "\n";
  char buf[32];
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < columns.size(); ++c) {
      std::snprintf(buf, sizeof buf, "%.9g", columns[c][r]);
      out << (c ? "," : "") << buf;
    }
    out << "\n";
  }
  CAJAL_CHECK(bool(out), "write_csv", "writing '{}' failed", path);
}

}  // namespace cajal::neuro
