// Internal to libcajal (src/train/plot.cpp, src/neuro/plot.cpp): one PNG page drawn with PLplot's
// pngcairo driver, and a line legend. PLplot keeps global state, so every page is drawn under ONE
// lock shared by every renderer (an inline function's static is one object across the library).
#pragma once
#ifdef CAJAL_HAVE_PLPLOT
#include <plplot/plplot.h>

#include <mutex>
#include <string>
#include <vector>

namespace cajal::plplot {

inline std::mutex& page_mutex() {
  static std::mutex mu;
  return mu;
}

// A width x height page of nx x ny sub-pages, black on white; draw() fills the sub-pages in order.
template <class Draw>
void png_page(const std::string& path, int width, int height, int nx, int ny, Draw&& draw) {
  std::lock_guard<std::mutex> lock(page_mutex());
  plsdev("pngcairo");
  plsfnam(path.c_str());
  plspage(0, 0, PLINT(width), PLINT(height), 0, 0);
  plscolbg(255, 255, 255);
  plscol0(15, 0, 0, 0);  // foreground black on white
  plstar(PLINT(nx), PLINT(ny));
  draw();
  plend();
}

struct LegendLine {
  const char* text;
  PLINT color, style;
};

// A boxed legend of lines (width 2) inside the current sub-page at `position` (PL_POSITION_*).
inline void line_legend(const std::vector<LegendLine>& lines, PLINT position) {
  if (lines.empty()) return;
  const size_t n = lines.size();
  std::vector<PLINT> opts(n, PL_LEGEND_LINE), text_colors(n, 15), line_colors, line_styles, zeros_i(n, 0);
  std::vector<PLFLT> line_widths(n, 2.0), zeros_f(n, 0.0);
  std::vector<const char*> texts, empty(n, "");
  for (const auto& l : lines) {
    texts.push_back(l.text);
    line_colors.push_back(l.color);
    line_styles.push_back(l.style);
  }
  PLFLT w, h;
  pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, position | PL_POSITION_RIGHT | PL_POSITION_INSIDE,
           0.02, 0.02, 0.1, 0, 15, 1, 0, 0, PLINT(n), opts.data(), 1.0, 1.0, 2.0, 1.0, text_colors.data(),
           texts.data(), zeros_i.data(), zeros_i.data(), zeros_f.data(), zeros_f.data(), line_colors.data(),
           line_styles.data(), line_widths.data(), zeros_i.data(), zeros_f.data(), zeros_i.data(), empty.data());
}

}  // namespace cajal::plplot
#endif
