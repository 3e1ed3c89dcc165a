// Restricted Boltzmann machines: conditionals, Gibbs sampling, free energy, CD-k / PCD and the
// exact gradient by enumeration. No autograd: every gradient here is the notes' closed form,
// computed under NoGradGuard and handed to an optimizer as .grad.
#include "cajal/models/energy/rbm.h"

#include <algorithm>
#include <cmath>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::models::energy {

VisibleUnits parse_visible_units(const std::string& name) {
  if (name == "bernoulli") return VisibleUnits::Bernoulli;
  if (name == "gaussian") return VisibleUnits::Gaussian;
  CAJAL_FAIL(Value, "rbm", "visible units must be 'bernoulli' or 'gaussian', got '{}'", name);
}

const char* visible_units_name(VisibleUnits units) { return units == VisibleUnits::Bernoulli ? "bernoulli" : "gaussian"; }

RBM::RBM(const RBMOptions& o, Generator* gen) : UnaryModule("RBM"), options_(o) {
  CAJAL_CHECK(o.visible >= 1 && o.hidden >= 1, "rbm", "expected visible and hidden >= 1, got {} and {}", o.visible,
              o.hidden);
  CAJAL_CHECK(o.persistent_chains >= 0, "rbm", "expected persistent_chains >= 0, got {}", o.persistent_chains);
  CAJAL_CHECK(o.dtype == DType::f32 || o.dtype == DType::f64, "rbm", "expected dtype f32 or f64, got {}",
              dtype_name(o.dtype));
  NoGradGuard ng;
  weight = register_parameter("weight", normal({o.visible, o.hidden}, 0.0, o.init_std, o.dtype, gen));
  visible_bias = register_parameter("visible_bias", zeros({o.visible}, o.dtype));
  hidden_bias = register_parameter("hidden_bias", zeros({o.hidden}, o.dtype));
  if (o.persistent_chains > 0) {
    Tensor start = o.units == VisibleUnits::Bernoulli ? bernoulli({o.persistent_chains, o.visible}, 0.5, o.dtype, gen)
                                                      : randn({o.persistent_chains, o.visible}, o.dtype, gen);
    chains = register_buffer("chains", start);
  }
}

void RBM::check_visible(const Tensor& v, const char* op) const {
  CAJAL_CHECK(v.defined() && v.dim() == 2 && v.size(1) == options_.visible, op,
              "expected visible states [B, {}], got {}", options_.visible,
              v.defined() ? shape_str(v.shape()) : std::string("an undefined tensor"));
  CAJAL_CHECK_TYPE(is_floating(v.dtype()), op, "expected floating visible states, got {}", dtype_name(v.dtype()));
  if (options_.units != VisibleUnits::Bernoulli) return;
  std::vector<double> x = v.to_vector<double>();
  for (size_t k = 0; k < x.size(); ++k)
    CAJAL_CHECK(x[k] == 0.0 || x[k] == 1.0, op,
                "a Bernoulli RBM expects binary data (0 or 1), got {} at [{}, {}]; binarise the data (x > 0.5) "
                "or use Gaussian visible units",
                x[k], k / size_t(options_.visible), k % size_t(options_.visible));
}

Tensor RBM::hidden_probs(const Tensor& v) const {
  NoGradGuard ng;
  return sigmoid(add(mm(v.to(options_.dtype), weight), hidden_bias));
}

Tensor RBM::visible_mean(const Tensor& h) const {
  NoGradGuard ng;
  Tensor a = add(mm(h.to(options_.dtype), weight.t()), visible_bias);
  return options_.units == VisibleUnits::Bernoulli ? sigmoid(a) : a;
}

Tensor RBM::sample_hidden(const Tensor& v, Generator* gen) const { return bernoulli(hidden_probs(v), gen); }

Tensor RBM::sample_visible(const Tensor& h, Generator* gen) const {
  Tensor mean = visible_mean(h);
  if (options_.units == VisibleUnits::Bernoulli) return bernoulli(mean, gen);
  NoGradGuard ng;
  return add(mean, randn(mean.shape(), mean.dtype(), gen));
}

Tensor RBM::gibbs(const Tensor& v, int64_t k, Generator* gen) const {
  CAJAL_CHECK(k >= 0, "rbm", "expected k >= 0 Gibbs steps, got {}", k);
  Tensor x = v.to(options_.dtype);
  for (int64_t s = 0; s < k; ++s) x = sample_visible(sample_hidden(x, gen), gen);
  return x;
}

Tensor RBM::free_energy(const Tensor& v) const {
  NoGradGuard ng;
  Tensor x = v.to(options_.dtype);
  Tensor hidden_term = sum(softplus(add(mm(x, weight), hidden_bias)), {1});
  Tensor visible_term = options_.units == VisibleUnits::Bernoulli
                            ? neg(matmul(x, visible_bias))
                            : mul(sum(square(sub(x, visible_bias)), {1}), 0.5);
  return sub(visible_term, hidden_term);
}

Tensor RBM::energy(const Tensor& v, const Tensor& h) const {
  NoGradGuard ng;
  Tensor x = v.to(options_.dtype), y = h.to(options_.dtype);
  Tensor interaction = sum(mul(mm(x, weight), y), {1});
  Tensor visible_term = options_.units == VisibleUnits::Bernoulli
                            ? neg(matmul(x, visible_bias))
                            : mul(sum(square(sub(x, visible_bias)), {1}), 0.5);
  return sub(sub(visible_term, interaction), matmul(y, hidden_bias));
}

Tensor RBM::reconstruct(const Tensor& v) const { return visible_mean(hidden_probs(v)); }

Tensor RBM::forward(const Tensor& v) { return reconstruct(v); }

Tensor RBM::sample(int64_t n, int64_t steps, Generator* gen) const {
  CAJAL_CHECK(n >= 1 && steps >= 0, "rbm_sample", "expected n >= 1 and steps >= 0, got {} and {}", n, steps);
  NoGradGuard ng;
  Tensor start = options_.units == VisibleUnits::Bernoulli
                     ? bernoulli({n, options_.visible}, 0.5, options_.dtype, gen)
                     : add(randn({n, options_.visible}, options_.dtype, gen), visible_bias);
  Tensor v = gibbs(start, steps, gen);
  return visible_mean(sample_hidden(v, gen));
}

namespace {

// The notes' statistic of a batch: (v^T sigmoid(vW + c) / B, mean v, mean sigmoid(vW + c)).
RBMGradients statistics(const RBM& rbm, const Tensor& v) {
  NoGradGuard ng;
  Tensor x = v.to(rbm.options().dtype);
  Tensor ph = rbm.hidden_probs(x);
  const double inv = 1.0 / double(x.size(0));
  return {mul(mm(x.t(), ph), inv), mean(x, {0}), mean(ph, {0})};
}

// Data statistics minus model statistics, negated: the gradient of the mean NLL.
RBMGradients difference(const RBMGradients& data, const RBMGradients& model) {
  return {sub(model.weight, data.weight), sub(model.visible_bias, data.visible_bias),
          sub(model.hidden_bias, data.hidden_bias)};
}

}  // namespace

RBMGradients cd_gradients(RBM& rbm, const Tensor& v, int64_t k, Generator* gen) {
  rbm.check_visible(v, "rbm_cd");
  CAJAL_CHECK(k >= 1, "rbm_cd", "expected k >= 1 Gibbs steps, got {}", k);
  NoGradGuard ng;
  RBMGradients positive = statistics(rbm, v);
  Tensor negative_start = rbm.chains.defined() ? rbm.chains : v;
  Tensor end = rbm.gibbs(negative_start, k, gen);
  if (rbm.chains.defined()) rbm.chains.copy_(end);  // PCD: the chains go on from here next update
  return difference(positive, statistics(rbm, end));
}

Tensor all_binary_states(int64_t n, DType dtype) {
  CAJAL_CHECK(n >= 1 && n <= 20, "all_binary_states", "expected 1 <= n <= 20 bits, got {}", n);
  const int64_t rows = int64_t(1) << n;
  std::vector<double> bits(size_t(rows * n));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < n; ++i) bits[size_t(r * n + i)] = double((r >> (n - 1 - i)) & 1);
  return from_vector(bits, {rows, n}, dtype);
}

namespace {
void check_enumerable(const RBM& rbm, const char* op) {
  CAJAL_CHECK(rbm.options().units == VisibleUnits::Bernoulli && rbm.options().visible <= 20, op,
              "enumeration needs a Bernoulli RBM with at most 20 visible units, got {} {} units",
              rbm.options().visible, visible_units_name(rbm.options().units));
}
}  // namespace

RBMGradients exact_nll_gradients(const RBM& rbm, const Tensor& v) {
  check_enumerable(rbm, "rbm_exact_gradients");
  rbm.check_visible(v, "rbm_exact_gradients");
  NoGradGuard ng;
  Tensor states = all_binary_states(rbm.options().visible, rbm.options().dtype);
  Tensor p = softmax(neg(rbm.free_energy(states)), 0);  // q(v), Z summed over every state
  Tensor ph = rbm.hidden_probs(states);
  Tensor weighted = mul(states, p.unsqueeze(1));          // q(v) v
  RBMGradients model{mm(weighted.t(), ph), sum(weighted, {0}), sum(mul(ph, p.unsqueeze(1)), {0})};
  return difference(statistics(rbm, v), model);
}

double exact_log_likelihood(const RBM& rbm, const Tensor& v) {
  check_enumerable(rbm, "rbm_log_likelihood");
  rbm.check_visible(v, "rbm_log_likelihood");
  NoGradGuard ng;
  Tensor states = all_binary_states(rbm.options().visible, DType::f64);
  double log_z = logsumexp(neg(rbm.free_energy(states)).to(DType::f64), {0}).item();
  return -mean(rbm.free_energy(v).to(DType::f64)).item() - log_z;
}

namespace {

double softplus_d(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

// log P(v_i | v_-i) = -softplus(F(v) - F(v with bit i flipped)); the flip changes the hidden
// pre-activations by s W_i (s = 1 - 2 v_i), so each unit costs O(hidden).
double conditional_log_prob(const double* a, const double* w_row, double b_i, double v_i, int64_t hidden) {
  const double s = 1.0 - 2.0 * v_i;
  double delta_f = -b_i * s;  // F(flip) - F(v), visible-bias part
  for (int64_t j = 0; j < hidden; ++j) delta_f -= softplus_d(a[j] + s * w_row[j]) - softplus_d(a[j]);
  return -softplus_d(-delta_f);
}

template <class UnitsOf>
Tensor pll_rows(const RBM& rbm, const Tensor& v, const char* op, UnitsOf units_of) {
  CAJAL_CHECK(rbm.options().units == VisibleUnits::Bernoulli, op,
              "the pseudo-log-likelihood is defined here for Bernoulli visible units, got {}",
              visible_units_name(rbm.options().units));
  rbm.check_visible(v, op);
  NoGradGuard ng;
  const int64_t B = v.size(0), V = rbm.options().visible, H = rbm.options().hidden;
  std::vector<double> x = v.to_vector<double>();
  std::vector<double> W = rbm.weight.to_vector<double>(), b = rbm.visible_bias.to_vector<double>();
  std::vector<double> act = add(mm(v.to(DType::f64), rbm.weight.to(DType::f64)), rbm.hidden_bias.to(DType::f64))
                                .to_vector<double>();
  std::vector<double> out(static_cast<size_t>(B));
  for (int64_t r = 0; r < B; ++r) {
    double total = 0;
    for (auto [i, scale] : units_of(r))
      total += scale * conditional_log_prob(act.data() + r * H, W.data() + i * H, b[size_t(i)], x[size_t(r * V + i)], H);
    out[size_t(r)] = total;
  }
  return from_vector(out, {B}, DType::f64);
}

}  // namespace

Tensor pseudo_log_likelihood(const RBM& rbm, const Tensor& v) {
  const int64_t V = rbm.options().visible;
  return pll_rows(rbm, v, "rbm_pseudo_log_likelihood", [V](int64_t) {
    std::vector<std::pair<int64_t, double>> all;
    for (int64_t i = 0; i < V; ++i) all.emplace_back(i, 1.0);
    return all;
  });
}

Tensor pseudo_log_likelihood_estimate(const RBM& rbm, const Tensor& v, Generator* gen) {
  const int64_t V = rbm.options().visible;
  Generator& g = gen ? *gen : default_generator();
  return pll_rows(rbm, v, "rbm_pseudo_log_likelihood", [V, &g](int64_t) {
    return std::vector<std::pair<int64_t, double>>{{int64_t(g.next_u64() % uint64_t(V)), double(V)}};
  });
}

void set_gradients(RBM& rbm, const RBMGradients& g) {
  rbm.weight.set_grad(g.weight.to(rbm.weight.dtype()));
  rbm.visible_bias.set_grad(g.visible_bias.to(rbm.visible_bias.dtype()));
  rbm.hidden_bias.set_grad(g.hidden_bias.to(rbm.hidden_bias.dtype()));
}

Tensor rbm_filters(const RBM& rbm, int64_t count, int64_t height, int64_t width) {
  CAJAL_CHECK(height * width == rbm.options().visible, "rbm_filters",
              "expected height x width = {} visible units, got {} x {}", rbm.options().visible, height, width);
  count = std::min(count, rbm.options().hidden);
  NoGradGuard ng;
  Tensor w = rbm.weight.t().slice(0, 0, count).to(DType::f32).contiguous();  // [count, visible]
  auto [lo, lo_i] = min(w, 1, true);
  auto [hi, hi_i] = max(w, 1, true);
  Tensor scaled = div(sub(w, lo), add(sub(hi, lo), 1e-12));
  return scaled.reshape({count, 1, height, width});
}

}  // namespace cajal::models::energy
