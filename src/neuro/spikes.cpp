// Spike trains: event lists, binning and the seeded Poisson / regular generators.
#include "cajal/neuro/spikes.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cajal/core/error.h"
#include "cajal/core/generator.h"
#include "cajal/ops/ops.h"

namespace cajal::neuro {

void SpikeTrain::sort() {
  std::vector<size_t> idx(time.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return time[a] < time[b]; });
  std::vector<int32_t> n2(idx.size());
  std::vector<double> t2(idx.size());
  for (size_t i = 0; i < idx.size(); ++i) n2[i] = neuron[idx[i]], t2[i] = time[idx[i]];
  neuron.swap(n2);
  time.swap(t2);
}

std::vector<double> SpikeTrain::times_of(int64_t i) const {
  CAJAL_CHECK_INDEX(i >= 0 && i < num_neurons, "SpikeTrain.times_of", "neuron {} out of range [0, {})", i,
                    num_neurons);
  std::vector<double> out;
  for (size_t k = 0; k < time.size(); ++k)
    if (neuron[k] == i) out.push_back(time[k]);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> SpikeTrain::counts() const {
  std::vector<int64_t> c(size_t(num_neurons), 0);
  for (int32_t n : neuron) ++c[size_t(n)];
  return c;
}

std::vector<double> SpikeTrain::rates() const {
  CAJAL_CHECK(duration > 0, "SpikeTrain.rates", "expected duration > 0, got {}", duration);
  std::vector<double> r(static_cast<size_t>(num_neurons));
  auto c = counts();
  for (size_t i = 0; i < r.size(); ++i) r[i] = double(c[i]) / duration;
  return r;
}

Tensor SpikeTrain::binned(double dt) const {
  CAJAL_CHECK(dt > 0, "SpikeTrain.binned", "expected dt > 0, got {}", dt);
  int64_t T = int64_t(std::ceil(duration / dt - 1e-9));
  Tensor out = zeros({T, num_neurons}, DType::f64);
  double* p = out.data_ptr<double>();
  for (size_t k = 0; k < time.size(); ++k) {
    int64_t b = int64_t(std::floor(time[k] / dt + 1e-9));  // NB: a spike at k dt (rounding) lands in bin k
    if (b >= 0 && b < T) p[b * num_neurons + neuron[k]] += 1.0;
  }
  return out;
}

SpikeTrain from_binned(const Tensor& counts, double dt) {
  CAJAL_CHECK(counts.dim() == 2, "from_binned", "expected a (T, N) tensor, got {} dims", counts.dim());
  CAJAL_CHECK(dt > 0, "from_binned", "expected dt > 0, got {}", dt);
  Tensor c = counts.to(DType::f64).contiguous();
  const double* p = c.data_ptr<double>();
  int64_t T = c.size(0), N = c.size(1);
  SpikeTrain s{N, double(T) * dt, {}, {}};
  for (int64_t k = 0; k < T; ++k)
    for (int64_t i = 0; i < N; ++i) {
      double v = p[k * N + i];
      CAJAL_CHECK(v >= 0 && v == std::floor(v), "from_binned", "expected non-negative integer counts, got {} at ({}, {})",
                  v, k, i);
      for (int64_t r = 0; r < int64_t(v); ++r) s.add(int32_t(i), double(k) * dt);
    }
  return s;
}

SpikeTrain poisson_spikes(int64_t num_neurons, double rate, double duration, uint64_t seed) {
  CAJAL_CHECK(num_neurons > 0, "poisson_spikes", "expected at least one neuron, got {}", num_neurons);
  CAJAL_CHECK(rate >= 0, "poisson_spikes", "expected rate >= 0, got {}", rate);
  CAJAL_CHECK(duration > 0, "poisson_spikes", "expected duration > 0, got {}", duration);
  SpikeTrain s{num_neurons, duration, {}, {}};
  if (rate == 0) return s;
  Generator g(seed);
  for (int64_t i = 0; i < num_neurons; ++i) {
    double t = 0;
    while (true) {
      t += -std::log1p(-g.next_double()) / rate;  // exponential ISI; 1 - u in (0, 1]
      if (t >= duration) break;
      s.add(int32_t(i), t);
    }
  }
  s.sort();
  return s;
}

SpikeTrain regular_spikes(int64_t num_neurons, double rate, double duration, double phase) {
  CAJAL_CHECK(num_neurons > 0, "regular_spikes", "expected at least one neuron, got {}", num_neurons);
  CAJAL_CHECK(rate > 0, "regular_spikes", "expected rate > 0, got {}", rate);
  CAJAL_CHECK(duration > 0, "regular_spikes", "expected duration > 0, got {}", duration);
  CAJAL_CHECK(phase >= 0 && phase < 1.0 / rate, "regular_spikes", "expected phase in [0, 1/rate = {}), got {}",
              1.0 / rate, phase);
  SpikeTrain s{num_neurons, duration, {}, {}};
  for (int64_t k = 0;; ++k) {
    double t = phase + double(k) / rate;
    if (t >= duration) break;
    for (int64_t i = 0; i < num_neurons; ++i) s.add(int32_t(i), t);
  }
  return s;
}

double isi_cv(const SpikeTrain& train, int64_t i) {
  auto t = train.times_of(i);
  if (t.size() < 3) return NAN;
  std::vector<double> isi(t.size() - 1);
  for (size_t k = 1; k < t.size(); ++k) isi[k - 1] = t[k] - t[k - 1];
  double m = std::accumulate(isi.begin(), isi.end(), 0.0) / double(isi.size());
  double v = 0;
  for (double x : isi) v += (x - m) * (x - m);
  v /= double(isi.size() - 1);
  return std::sqrt(v) / m;
}

}  // namespace cajal::neuro
