// PLplot rendering of training curves (the page and legend: plplot_page.h).
#include "cajal/train/plot.h"

#include <algorithm>
#include <cmath>

#include "plplot_page.h"

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
  std::vector<plplot::LegendLine> legend;
  for (size_t k = 0; k < curves.size(); ++k) {
    const auto& c = curves[k];
    plcol0(colors[k % 5]);
    plwidth(2.0);
    if (!c.x.empty()) {
      plline(PLINT(c.x.size()), c.x.data(), c.y.data());
      if (c.x.size() < 40) plpoin(PLINT(c.x.size()), c.x.data(), c.y.data(), 17);
    }
    legend.push_back({c.label.c_str(), colors[k % 5], 1});
  }
  plwidth(1.0);
  plplot::line_legend(legend, legend_top ? PL_POSITION_TOP : PL_POSITION_BOTTOM);
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
  plplot::png_page(path, 700 * int(panels.size()), 560, int(panels.size()), 1, [&] {
    if (plsetopt("quiet", "") != 0) {}
    for (const auto& p : panels)
      panel(p.xlabel.c_str(), p.metric.c_str(), (title + ": " + p.metric).c_str(), p.curves, p.falling);
  });
  return true;
#else
  if (why) *why = "cajal was built without PLplot (apt-get install libplplot-dev plplot-driver-cairo)";
  (void)path, (void)title;
  return false;
#endif
}

}  // namespace cajal::train
