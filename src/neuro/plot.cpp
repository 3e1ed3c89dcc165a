// PLplot rendering of neural traces and rasters (the page, its lock and the legend are the training
// curves' own: src/train/plplot_page.h).
#include "cajal/neuro/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "cajal/core/error.h"

#include "train/plplot_page.h"

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
  std::vector<plplot::LegendLine> legend;
  for (size_t k = 0; k < p.lines.size(); ++k) {
    const auto& l = p.lines[k];
    const int color = l.color >= 0 ? l.color : colors[k % 8];
    plcol0(color);
    plwidth(p.lines.size() > 8 ? 1.0 : 2.0);
    pllsty(l.dashed ? 2 : 1);
    if (!l.x.empty()) plline(PLINT(l.x.size()), l.x.data(), l.y.data());
    if (!l.label.empty()) legend.push_back({l.label.c_str(), color, l.dashed ? 2 : 1});
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
  plplot::line_legend(legend, PL_POSITION_TOP);
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
  plplot::png_page(path, width, panel_height * int(panels.size()), 1, int(panels.size()), [&] {
    for (const auto& p : panels) draw_panel(p);
  });
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
