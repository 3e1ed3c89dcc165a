// Hopfield networks: Hebbian storage, synchronous and asynchronous recall, the energy, the
// capacity measurement, and modern (softmax-attention) retrieval. Plain loops over f32 rows: an
// asynchronous sweep keeps each row's local field h = x W + b and updates it by 2 x_i W_i when
// unit i flips, so a sweep costs O(N) per flip instead of O(N^2) per unit.
#include "cajal/models/energy/hopfield.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::models::energy {

namespace {

// x as a contiguous f32 [B, N] matrix (a [N] vector is one row).
Tensor as_rows(const Tensor& x, int64_t n, const char* op) {
  CAJAL_CHECK(x.defined() && (x.dim() == 1 || x.dim() == 2), op, "expected a state [N] or [B, N], got {}",
              x.defined() ? shape_str(x.shape()) : std::string("an undefined tensor"));
  CAJAL_CHECK(x.size(-1) == n, op, "expected states of {} units, got shape {}", n, shape_str(x.shape()));
  Tensor r = x.dim() == 1 ? x.reshape({1, n}) : x;
  return r.to(DType::f32).contiguous();
}

// Fisher-Yates from gen: the order of an asynchronous sweep.
void shuffle(std::vector<int64_t>& order, Generator& gen) {
  for (size_t i = order.size(); i > 1; --i) {
    size_t j = size_t(gen.next_u64() % i);
    std::swap(order[i - 1], order[j]);
  }
}

// Local fields h = x W + b of one row (W symmetric, so column and row reads agree).
void local_field(const float* W, const float* b, const float* x, float* h, int64_t n) {
  for (int64_t j = 0; j < n; ++j) h[j] = b[j];
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] == 0.f) continue;
    const float* wi = W + i * n;
    const float xi = x[i];
    for (int64_t j = 0; j < n; ++j) h[j] += xi * wi[j];
  }
}

double row_energy(const float* W, const float* b, const float* x, int64_t n) {
  double e = 0;
  for (int64_t i = 0; i < n; ++i) {
    double wx = 0;
    const float* wi = W + i * n;
    for (int64_t j = 0; j < n; ++j) wx += double(wi[j]) * x[j];
    e += -0.5 * x[i] * wx - double(b[i]) * x[i];
  }
  return e;
}

Tensor shaped_like(const Tensor& rows, const Tensor& like) { return like.dim() == 1 ? rows.reshape({rows.size(1)}) : rows; }

}  // namespace

void check_bipolar(const Tensor& x, const char* op) {
  CAJAL_CHECK(x.defined(), op, "expected a tensor of +1/-1 entries, got an undefined tensor");
  std::vector<double> v = x.to_vector<double>();
  for (size_t k = 0; k < v.size(); ++k) {
    if (v[k] == 1.0 || v[k] == -1.0) continue;
    // The index as the shape's coordinates, so the message points at the entry.
    std::string at;
    size_t rest = k;
    for (int64_t d = x.dim() - 1; d >= 0; --d) {
      size_t s = size_t(x.size(d));
      at = std::to_string(rest % s) + (at.empty() ? "" : ", ") + at;
      rest /= s;
    }
    CAJAL_FAIL(Value, op, "expected patterns of +1/-1 entries, got {} at [{}] of a {} tensor", v[k], at,
               shape_str(x.shape()));
  }
}

Tensor hebbian_weights(const Tensor& patterns) {
  CAJAL_CHECK(patterns.defined() && patterns.dim() == 2 && patterns.size(0) >= 1 && patterns.size(1) >= 1,
              "hopfield", "expected patterns [M, N] with M, N >= 1, got {}",
              patterns.defined() ? shape_str(patterns.shape()) : std::string("an undefined tensor"));
  check_bipolar(patterns, "hopfield");
  NoGradGuard ng;
  Tensor X = patterns.to(DType::f32).contiguous();
  Tensor W = mm(X.t(), X).contiguous();
  W.mul_(1.0 / double(X.size(0)));
  float* w = W.data_ptr<float>();
  const int64_t n = X.size(1);
  for (int64_t i = 0; i < n; ++i) w[i * n + i] = 0.f;  // no self-connections
  return W;
}

std::vector<double> hopfield_energy(const Tensor& W, const Tensor& b, const Tensor& x) {
  CAJAL_CHECK(W.defined() && W.dim() == 2 && W.size(0) == W.size(1), "hopfield_energy",
              "expected a square weight [N, N], got {}", W.defined() ? shape_str(W.shape()) : "undefined");
  const int64_t n = W.size(0);
  Tensor w = W.to(DType::f32).contiguous();
  Tensor bb = b.defined() ? b.to(DType::f32).contiguous() : zeros({n});
  CAJAL_CHECK(bb.numel() == n, "hopfield_energy", "expected a bias of {} entries, got {}", n, shape_str(bb.shape()));
  Tensor rows = as_rows(x, n, "hopfield_energy");
  std::vector<double> e(size_t(rows.size(0)));
  for (int64_t r = 0; r < rows.size(0); ++r)
    e[size_t(r)] = row_energy(w.data_ptr<float>(), bb.data_ptr<float>(), rows.data_ptr<float>() + r * n, n);
  return e;
}

HopfieldNetwork::HopfieldNetwork(int64_t n) : n_(n) {
  CAJAL_CHECK(n >= 1, "hopfield", "expected at least 1 unit, got {}", n);
  W_ = zeros({n, n});
  b_ = zeros({n});
}

HopfieldNetwork::HopfieldNetwork(const Tensor& patterns) : HopfieldNetwork(patterns.defined() && patterns.dim() == 2 ? patterns.size(1) : 1) {
  W_ = hebbian_weights(patterns);
}

void HopfieldNetwork::set_bias(const Tensor& b) {
  CAJAL_CHECK(b.defined() && b.numel() == n_, "hopfield", "expected a bias of {} entries, got {}", n_,
              b.defined() ? shape_str(b.shape()) : "undefined");
  b_ = b.to(DType::f32).reshape({n_}).contiguous().clone();
}

std::vector<double> HopfieldNetwork::energy(const Tensor& x) const { return hopfield_energy(W_, b_, x); }

Tensor HopfieldNetwork::sync_step(const Tensor& x) const {
  Tensor rows = as_rows(x, n_, "hopfield");
  check_bipolar(rows, "hopfield");
  Tensor out = empty({rows.size(0), n_});
  std::vector<float> h(static_cast<size_t>(n_));
  for (int64_t r = 0; r < rows.size(0); ++r) {
    local_field(W_.data_ptr<float>(), b_.data_ptr<float>(), rows.data_ptr<float>() + r * n_, h.data(), n_);
    float* o = out.data_ptr<float>() + r * n_;
    for (int64_t j = 0; j < n_; ++j) o[j] = h[size_t(j)] >= 0.f ? 1.f : -1.f;
  }
  return shaped_like(out, x);
}

Tensor HopfieldNetwork::async_sweep(const Tensor& x, Generator* gen, std::vector<double>* energy_trace) const {
  Tensor rows = as_rows(x, n_, "hopfield");
  check_bipolar(rows, "hopfield");
  Tensor out = rows.clone();
  Generator& g = gen ? *gen : default_generator();
  std::vector<int64_t> order(static_cast<size_t>(n_));
  std::vector<float> h(static_cast<size_t>(n_));
  const float* W = W_.data_ptr<float>();
  const float* b = b_.data_ptr<float>();
  for (int64_t r = 0; r < out.size(0); ++r) {
    float* s = out.data_ptr<float>() + r * n_;
    local_field(W, b, s, h.data(), n_);
    std::iota(order.begin(), order.end(), 0);
    shuffle(order, g);
    // The energy changes by -(new - old) * h_i when unit i changes (W_ii = 0): tracked exactly.
    double e = (energy_trace && r == 0) ? row_energy(W, b, s, n_) : 0.0;
    if (energy_trace && r == 0) energy_trace->push_back(e);
    for (int64_t i : order) {
      const float next = h[size_t(i)] >= 0.f ? 1.f : -1.f;
      if (next != s[i]) {
        const float delta = next - s[i];
        s[i] = next;
        const float* wi = W + i * n_;
        for (int64_t j = 0; j < n_; ++j) h[size_t(j)] += delta * wi[j];
      }
      if (energy_trace && r == 0) energy_trace->push_back(row_energy(W, b, s, n_));
    }
  }
  return shaped_like(out, x);
}

HopfieldRecall HopfieldNetwork::recall(const Tensor& x, HopfieldUpdate update, int64_t max_steps, Generator* gen) const {
  CAJAL_CHECK(max_steps >= 0, "hopfield", "expected max_steps >= 0, got {}", max_steps);
  HopfieldRecall r;
  r.state = as_rows(x, n_, "hopfield").clone();
  check_bipolar(r.state, "hopfield");
  r.state = shaped_like(r.state, x);
  r.steps.push_back(r.state);
  r.energies.push_back(energy(r.state)[0]);
  for (int64_t k = 0; k < max_steps; ++k) {
    Tensor next = update == HopfieldUpdate::Sync ? sync_step(r.state) : async_sweep(r.state, gen);
    ++r.iterations;
    bool same = equal(next, r.state);
    r.state = next;
    r.steps.push_back(next);
    r.energies.push_back(energy(next)[0]);
    if (same) {
      r.converged = true;
      break;
    }
  }
  return r;
}

Tensor corrupt_bipolar(const Tensor& patterns, double fraction, Generator* gen) {
  CAJAL_CHECK(fraction >= 0 && fraction <= 1, "corrupt_bipolar", "expected a fraction in [0, 1], got {}", fraction);
  check_bipolar(patterns, "corrupt_bipolar");
  const int64_t n = patterns.size(-1);
  Tensor rows = as_rows(patterns, n, "corrupt_bipolar").clone();
  Generator& g = gen ? *gen : default_generator();
  const int64_t flips = std::llround(fraction * double(n));
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows.size(0); ++r) {
    std::iota(order.begin(), order.end(), 0);
    shuffle(order, g);
    float* s = rows.data_ptr<float>() + r * n;
    for (int64_t k = 0; k < flips; ++k) s[order[size_t(k)]] = -s[order[size_t(k)]];
  }
  return shaped_like(rows, patterns);
}

Tensor random_bipolar(int64_t m, int64_t n, Generator* gen) {
  CAJAL_CHECK(m >= 1 && n >= 1, "random_bipolar", "expected M, N >= 1, got {} and {}", m, n);
  Tensor x = empty({m, n});
  Generator& g = gen ? *gen : default_generator();
  float* p = x.data_ptr<float>();
  for (int64_t k = 0; k < m * n; ++k) p[k] = (g.next_u64() >> 63) ? 1.f : -1.f;
  return x;
}

Tensor modern_hopfield_retrieve(const Tensor& patterns, const Tensor& queries, double beta, int64_t steps) {
  CAJAL_CHECK(patterns.defined() && patterns.dim() == 2, "modern_hopfield", "expected patterns [M, N], got {}",
              patterns.defined() ? shape_str(patterns.shape()) : "undefined");
  CAJAL_CHECK(std::isfinite(beta) && beta > 0, "modern_hopfield", "expected beta > 0, got {}", beta);
  CAJAL_CHECK(steps >= 1, "modern_hopfield", "expected steps >= 1, got {}", steps);
  Tensor xi = as_rows(queries, patterns.size(1), "modern_hopfield");
  Tensor X = patterns.to(DType::f32);
  // Attention with the queries as queries and the stored patterns as keys and values.
  for (int64_t k = 0; k < steps; ++k) xi = scaled_dot_product_attention(xi, X, X, Tensor(), 0.0, false, beta);
  return shaped_like(xi, queries);
}

std::vector<CapacityPoint> hopfield_capacity(const CapacityOptions& o) {
  CAJAL_CHECK(o.units >= 2 && o.trials >= 1 && !o.loads.empty(), "hopfield_capacity",
              "expected units >= 2, trials >= 1 and some loads, got {} units, {} trials, {} loads", o.units, o.trials,
              o.loads.size());
  Generator gen(o.seed);
  std::vector<CapacityPoint> points;
  for (double load : o.loads) {
    const int64_t m = std::max<int64_t>(1, std::llround(load * double(o.units)));
    CapacityPoint p;
    p.load = double(m) / double(o.units), p.patterns = m;
    double overlap = 0, recalled = 0, stable = 0;
    for (int64_t t = 0; t < o.trials; ++t) {
      Tensor X = random_bipolar(m, o.units, &gen);
      HopfieldNetwork net(X);
      stable += sum(eq(net.sync_step(X), X)).item() / double(m * o.units);
      HopfieldRecall r = net.recall(corrupt_bipolar(X, o.flip_fraction, &gen), HopfieldUpdate::Async, o.max_sweeps, &gen);
      std::vector<double> ov = (sum(mul(r.state, X), {1}) / double(o.units)).to_vector<double>();
      for (double v : ov) overlap += v, recalled += v >= o.recall_threshold ? 1 : 0;
    }
    p.mean_overlap = overlap / double(m * o.trials);
    p.recalled = recalled / double(m * o.trials);
    p.stable_bits = stable / double(o.trials);
    points.push_back(p);
  }
  return points;
}

}  // namespace cajal::models::energy
