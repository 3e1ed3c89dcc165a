// plot_heatmap (train/plot.h): a matrix drawn cell by cell as filled boxes, for attention weights.
// Boxes (plfill) rather than plimage so every cell is a crisp square with its value printed inside,
// readable at the sizes attention maps have (a few to a few tens of tokens a side).
#include <algorithm>

#include "cajal/core/error.h"
#include "cajal/train/plot.h"
#include "plplot_page.h"

namespace cajal::train {

bool plot_heatmap(const std::string& path, const std::string& title, const std::vector<std::vector<double>>& values,
                  const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels,
                  const std::string& xlabel, const std::string& ylabel, std::string* why) {
  const size_t rows = values.size(), cols = rows ? values[0].size() : 0;
  CAJAL_CHECK(rows > 0 && cols > 0, "plot_heatmap", "expected a non-empty matrix, got {} x {}", rows, cols);
  for (const auto& r : values)
    CAJAL_CHECK(r.size() == cols, "plot_heatmap", "expected every row to have {} values, got a row of {}", cols, r.size());
  CAJAL_CHECK(row_labels.size() == rows && col_labels.size() == cols, "plot_heatmap",
              "expected {} row labels and {} column labels, got {} and {}", rows, cols, row_labels.size(),
              col_labels.size());
#ifdef CAJAL_HAVE_PLPLOT
  // Square cells of 48 pixels, margins for the labels; the page wide enough for the title too
  // (about 8 pixels a character), the grid centred when the title makes it wider.
  const int cell = 48, left = 150, right = 30, top = 70, bottom = 110;
  const int grid_w = int(cols) * cell, grid_h = int(rows) * cell;
  const int width = std::max({360, left + grid_w + right, int(title.size()) * 8 + 40});
  const int height = top + grid_h + bottom;
  const int x0 = std::max(left, (width - grid_w) / 2);
  plplot::png_page(path, width, height, 1, 1, [&] {
    pladv(0);
    plvpor(PLFLT(x0) / width, PLFLT(x0 + grid_w) / width, PLFLT(bottom) / height, PLFLT(bottom + grid_h) / height);
    plwind(0, PLFLT(cols), 0, PLFLT(rows));
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) {
        const double v = std::clamp(values[r][c], 0.0, 1.0);
        // White (0) to dark blue (1), in colour slot 2 redefined per cell.
        plscol0(2, PLINT(255 - 235 * v), PLINT(255 - 200 * v), PLINT(255 - 115 * v));
        plcol0(2);
        const PLFLT x0 = PLFLT(c), y0 = PLFLT(rows - 1 - r);
        PLFLT xs[4] = {x0, x0 + 1, x0 + 1, x0}, ys[4] = {y0, y0, y0 + 1, y0 + 1};
        plfill(4, xs, ys);
        plcol0(v > 0.5 ? 0 : 15);  // the value in white on dark cells, black on light ones
        plschr(0, 0.7);
        plptex(x0 + 0.5, y0 + 0.4, 1, 0, 0.5, fmt::format("{:.2f}", values[r][c]).c_str());
      }
    plcol0(15);
    plschr(0, 1.0);
    plbox("bc", 0, 0, "bc", 0, 0);
    for (size_t c = 0; c < cols; ++c)
      plmtex("bv", 0.5, (PLFLT(c) + 0.5) / PLFLT(cols), 1.0, col_labels[c].c_str());
    for (size_t r = 0; r < rows; ++r)
      plmtex("lv", 0.5, 1.0 - (PLFLT(r) + 0.5) / PLFLT(rows), 1.0, row_labels[r].c_str());
    plmtex("b", 4.5, 0.5, 0.5, xlabel.c_str());
    plmtex("l", 9.0, 0.5, 0.5, ylabel.c_str());
    plvpor(0, 1, PLFLT(bottom) / height, PLFLT(bottom + grid_h) / height);  // the title centred on the page
    plmtex("t", 1.5, 0.5, 0.5, title.c_str());
  });
  return true;
#else
  if (why) *why = "cajal was built without PLplot (apt-get install libplplot-dev plplot-driver-cairo)";
  return false;
#endif
}

}  // namespace cajal::train
