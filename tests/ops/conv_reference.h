// What the convolution kernel tests (test_kernels.cpp, test_winograd.cpp, test_conv_direct.cpp)
// share: seeded inputs, a direct-sum reference forward, and the closeness check they report by.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cajal/core/generator.h"
#include "cajal/ops/ops.h"
#include "kernels/cpu/conv.h"

namespace cajal::test {

// n values uniform in [-1, 1) from `seed`, as T.
template <class T>
std::vector<T> random_values(int64_t n, uint64_t seed) {
  Generator g(seed);
  const std::vector<double> v = uniform({n}, -1, 1, DType::f64, &g).to_vector<double>();
  return std::vector<T>(v.begin(), v.end());
}

// out[n,o,y,x] = b[o] + the sum over (c, i, j) of the group's window, accumulated in double; b may
// be empty (no bias). Any stride, padding, dilation and groups.
template <class T>
std::vector<T> conv2d_forward_naive(const kernels::cpu::Conv2dShape& s, const std::vector<T>& x,
                                    const std::vector<T>& w, const std::vector<T>& b) {
  const auto& win = s.win;
  std::vector<T> out(size_t(s.N * s.O * s.oh * s.ow));
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t o = 0; o < s.O; ++o)
      for (int64_t y = 0; y < s.oh; ++y)
        for (int64_t xo = 0; xo < s.ow; ++xo) {
          double acc = b.empty() ? 0.0 : double(b[size_t(o)]);
          const int64_t grp = o / s.Og;
          for (int64_t c = 0; c < s.Cg; ++c)
            for (int64_t i = 0; i < win.kh; ++i)
              for (int64_t j = 0; j < win.kw; ++j) {
                const int64_t iy = y * win.sh - win.ph + i * win.dh, ix = xo * win.sw - win.pw + j * win.dw;
                if (iy < 0 || iy >= s.H || ix < 0 || ix >= s.W) continue;
                acc += double(x[size_t(((n * s.C + grp * s.Cg + c) * s.H + iy) * s.W + ix)]) *
                       double(w[size_t(((o * s.Cg + c) * win.kh + i) * win.kw + j)]);
              }
          out[size_t(((n * s.O + o) * s.oh + y) * s.ow + xo)] = T(acc);
        }
  return out;
}

// The worst |got - want| / (1 + |want|) at most tol; where want is not finite (an inf or NaN input),
// got must be the same inf, or NaN; a NaN where want is finite fails.
template <class T>
void expect_close(const std::vector<T>& got, const std::vector<T>& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!std::isfinite(double(want[i]))) {
      EXPECT_TRUE(got[i] == want[i] || (std::isnan(double(got[i])) && std::isnan(double(want[i])))) << what << " at " << i;
      continue;
    }
    const double err = std::abs(double(got[i]) - double(want[i])) / (1 + std::abs(double(want[i])));
    worst = std::isnan(err) ? std::numeric_limits<double>::infinity() : std::max(worst, err);
  }
  EXPECT_LE(worst, tol) << what;
}

}  // namespace cajal::test
