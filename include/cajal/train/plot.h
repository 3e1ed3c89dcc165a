// Training curves as PNG, drawn with PLplot (pngcairo driver): one panel per metric, each with its
// train and validation curves per epoch.
#pragma once
#include <string>
#include <vector>

namespace cajal::train {

struct Curve {
  std::string label;
  std::vector<double> x, y;
};

struct Panel {
  std::string metric;  // the y label, e.g. "loss"
  std::vector<Curve> curves;
  bool falling = true;  // a metric that falls as training goes (the legend goes top right)
  std::string xlabel = "epoch";
};

// One PNG with the panels side by side. Returns false (with a reason in `why`) when PLplot or its
// pngcairo driver is unavailable; the run goes on without the picture.
bool plot_panels(const std::string& path, const std::string& title, const std::vector<Panel>& panels,
                 std::string* why = nullptr);

}  // namespace cajal::train
