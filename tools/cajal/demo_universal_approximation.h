// `cajal examples universal_approximation [--out DIR]` (cmd_examples.cpp): the notes' construction
// (cajal/examples/universal_approximation.h) measured for N = 4..1024 bumps, the bound checked,
// a 2-D version, and a plot of f and G.
#pragma once
#include <string>

namespace cajal::cli {
// Prints the tables; writes DIR/universal_approximation.png (when PLplot is available) and .csv.
// Returns the exit status: 1 when a measured error exceeds its bound.
int run_universal_approximation(const std::string& out_dir);
}  // namespace cajal::cli
