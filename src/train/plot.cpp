// PLplot rendering of training curves. PLplot keeps global state, so calls are serialised.
#include "cajal/train/plot.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#ifdef CAJAL_HAVE_PLPLOT
#include <plplot/plplot.h>
#endif

namespace cajal::train {

#ifdef CAJAL_HAVE_PLPLOT
namespace {

// legend_top: losses fall (legend top right), accuracies rise (legend bottom right).
void panel(const char* xlabel, const char* ylabel, const char* title, const std::vector<Curve>& curves, bool legend_top) {
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (const auto& c : curves)
    for (size_t i = 0; i < c.x.size(); ++i) {
      xmin = std::min(xmin, c.x[i]);
      xmax = std::max(xmax, c.x[i]);
      ymin = std::min(ymin, c.y[i]);
      ymax = std::max(ymax, c.y[i]);
    }
  if (!std::isfinite(xmin)) xmin = 0, xmax = 1, ymin = 0, ymax = 1;
  if (xmax == xmin) xmax = xmin + 1;
  double pad = (ymax - ymin) * 0.08 + 1e-9;
  plcol0(15);
  plenv(xmin, xmax, ymin - pad, ymax + pad, 0, 2);  // axis=2: grid lines
  pllab(xlabel, ylabel, title);
  const int colors[] = {1, 9, 3, 8, 12};
  std::vector<PLINT> opts, text_colors, line_colors, line_styles;
  std::vector<PLFLT> line_widths;
  std::vector<const char*> texts;
  for (size_t k = 0; k < curves.size(); ++k) {
    const auto& c = curves[k];
    plcol0(colors[k % 5]);
    plwidth(2.0);
    if (!c.x.empty()) {
      plline(PLINT(c.x.size()), c.x.data(), c.y.data());
      if (c.x.size() < 40) plpoin(PLINT(c.x.size()), c.x.data(), c.y.data(), 17);
    }
    opts.push_back(PL_LEGEND_LINE);
    text_colors.push_back(15);
    line_colors.push_back(colors[k % 5]);
    line_styles.push_back(1);
    line_widths.push_back(2.0);
    texts.push_back(c.label.c_str());
  }
  plwidth(1.0);
  if (!curves.empty()) {
    PLFLT w, h;
    std::vector<PLINT> zeros_i(curves.size(), 0);
    std::vector<PLFLT> zeros_f(curves.size(), 0.0);
    std::vector<const char*> empty(curves.size(), "");
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, (legend_top ? PL_POSITION_TOP : PL_POSITION_BOTTOM) | PL_POSITION_RIGHT | PL_POSITION_INSIDE,
             0.02, 0.02, 0.1, 0, 15, 1, 0, 0, PLINT(curves.size()), opts.data(), 1.0, 1.0, 2.0, 1.0,
             text_colors.data(), texts.data(), zeros_i.data(), zeros_i.data(), zeros_f.data(), zeros_f.data(),
             line_colors.data(), line_styles.data(), line_widths.data(), zeros_i.data(), zeros_f.data(),
             zeros_i.data(), empty.data());
  }
}

}  // namespace
#endif

bool plot_panels(const std::string& path, const std::string& title, const std::vector<Panel>& panels,
                 std::string* why) {
  if (panels.empty()) {
    if (why) *why = "no metrics to plot";
    return false;
  }
#ifdef CAJAL_HAVE_PLPLOT
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  plsdev("pngcairo");
  plsfnam(path.c_str());
  plspage(0, 0, PLINT(700 * panels.size()), 560, 0, 0);
  plscolbg(255, 255, 255);
  plscol0(15, 0, 0, 0);  // foreground black on white
  plstar(PLINT(panels.size()), 1);
  if (plsetopt("quiet", "") != 0) {}
  for (const auto& p : panels) panel("epoch", p.metric.c_str(), (title + ": " + p.metric).c_str(), p.curves, p.falling);
  plend();
  return true;
#else
  if (why) *why = "cajal was built without PLplot (apt-get install libplplot-dev plplot-driver-cairo)";
  (void)path, (void)title;
  return false;
#endif
}

}  // namespace cajal::train
