// The cost of one allreduce of n float32 values between the ranks of `mpirun -np P`: the input of
// the scaling model in docs/SCALING.md. For each size, 5 warm-up calls then the median of 21
// timed MPI_Allreduce calls (cajal::distributed::all_reduce, in place, sum), printed by rank 0 as
// one JSON line per size; the last line fits t(bytes) = alpha + bytes / beta by least squares.
//
//   mpirun -np 2 build/bench/allreduce_cost
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "cajal/distributed/distributed.h"
#include "cajal/ops/ops.h"

int main() {
  namespace d = cajal::distributed;
  d::init();
  std::vector<double> xs, ys;
  for (int64_t n = 256; n <= (int64_t(16) << 20); n *= 4) {
    cajal::Tensor t = cajal::ones({n});
    std::vector<double> times;
    for (int rep = 0; rep < 26; ++rep) {
      d::barrier();
      const auto t0 = std::chrono::steady_clock::now();
      d::all_reduce(t, d::ReduceOp::Sum);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (rep >= 5) times.push_back(s);
    }
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    const double median = times[times.size() / 2];
    const double bytes = double(n) * 4;
    xs.push_back(bytes), ys.push_back(median);
    if (d::rank() == 0)
      std::printf("{\"ranks\": %d, \"bytes\": %.0f, \"median_us\": %.2f, \"GB_per_s\": %.3f}\n", d::world_size(), bytes,
                  median * 1e6, bytes / median / 1e9);
  }
  // Least squares t = alpha + bytes / beta.
  double mx = 0, my = 0;
  for (size_t i = 0; i < xs.size(); ++i) mx += xs[i], my += ys[i];
  mx /= double(xs.size()), my /= double(ys.size());
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < xs.size(); ++i) sxy += (xs[i] - mx) * (ys[i] - my), sxx += (xs[i] - mx) * (xs[i] - mx);
  const double slope = sxy / sxx, alpha = my - slope * mx;
  if (d::rank() == 0)
    std::printf("{\"fit\": \"t = alpha + bytes / beta\", \"alpha_us\": %.2f, \"beta_GB_per_s\": %.3f}\n", alpha * 1e6,
                1.0 / slope / 1e9);
  return 0;
}
