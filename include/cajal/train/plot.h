// Training curves as PNG, drawn with PLplot (pngcairo driver): one panel per metric, each with its
// train and validation curves per epoch (or any curves against another x, Panel::xlabel).
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

namespace cajal::train {

// A heat map of a matrix as PNG (PLplot, pngcairo): values[r][c] in [0, 1] (attention weights),
// row r drawn top to bottom and labelled row_labels[r] on the left, column c labelled
// col_labels[c] underneath; white is 0, dark blue is 1, each cell printed with its value. Returns
// false with a reason in `why` when PLplot is unavailable; bad shapes are a cajal::Error.
bool plot_heatmap(const std::string& path, const std::string& title, const std::vector<std::vector<double>>& values,
                  const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels,
                  const std::string& xlabel, const std::string& ylabel, std::string* why = nullptr);

}  // namespace cajal::train
