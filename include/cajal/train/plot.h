// Training curves as PNG, drawn with PLplot (pngcairo driver): loss and accuracy per epoch.
#pragma once
#include <string>
#include <vector>

namespace cajal::train {

struct Curve {
  std::string label;
  std::vector<double> x, y;
};

// One PNG with two panels: losses (left) and accuracies (right). Returns false (with a reason in
// `why`) when PLplot or its pngcairo driver is unavailable; the run goes on without the picture.
bool plot_curves(const std::string& path, const std::string& title, const std::vector<Curve>& losses,
                 const std::vector<Curve>& accuracies, std::string* why = nullptr);

}  // namespace cajal::train
