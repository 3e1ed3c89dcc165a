// NEF networks: factored (decode, transform, filter, encode) or full-matrix connections between
// spiking LIF populations, input nodes, probes, and the notes' dynamics (integrator, oscillator,
// point attractor).
//
// NB: the network's synapses are driven by rates r (spike counts / dt, or an input's value) with a
// zero-order-hold discretisation: x <- a x + (1 - a) r, a = e^{-dt/tau}. That is a SynapseBank
// given the impulse r tau (1 - a); its DC gain is exactly 1, so a recurrent transform of 1 is a
// loop gain of exactly 1 (the impulse 1/tau per spike of the continuous model would add dt/(2 tau)).
#include "cajal/neuro/nef.h"

#include <cmath>

#include "cajal/core/error.h"
#include "cajal/neuro/synapse.h"
#include "cajal/ops/ops.h"

namespace cajal::neuro {

namespace {
Tensor as_matrix(const Tensor& t, const char* op, const char* what) {
  CAJAL_CHECK(t.defined() && (t.dim() == 2 || t.dim() == 1), op, "expected {} as a matrix, got {}", what,
              t.defined() ? t.shape() : Shape{});
  Tensor m = t.to(DType::f64).contiguous();
  return m.dim() == 1 ? m.reshape({m.size(0), 1}).clone() : m.clone();
}

// A filter stage of the simulation: a SynapseBank, or none (tau = 0: the value passes through).
struct Filter {
  Filter(int64_t channels, double tau) : tau(tau), direct(size_t(channels), 0.0) {
    if (tau > 0) bank = std::make_unique<SynapseBank>(channels, SynapseKernel::exponential(tau));
  }
  // Feeds the rates r (channels values) over a step of dt.
  void step(double dt, std::vector<double>& r) {
    if (!bank) {
      direct = r;
      return;
    }
    double scale = tau * -std::expm1(-dt / tau);
    for (double& v : r) v *= scale;
    bank->step(dt, r.data());
  }
  const double* out() const { return bank ? bank->output() : direct.data(); }
  double tau;
  std::unique_ptr<SynapseBank> bank;
  std::vector<double> direct;
};
}  // namespace

int Network::add_population(const Population& p) {
  pops_.push_back(p);
  return int(pops_.size() - 1);
}

int Network::add_input(int64_t dims, InputFn u) {
  CAJAL_CHECK(dims > 0 && u, "Network.add_input", "expected dims > 0 and a function, got dims {}", dims);
  inputs_.push_back({dims, std::move(u)});
  return int(inputs_.size() - 1);
}

void Network::connect_input(int input, int post, const Tensor& transform, double tau) {
  const char* op = "Network.connect_input";
  CAJAL_CHECK_INDEX(input >= 0 && size_t(input) < inputs_.size(), op, "no input {}", input);
  CAJAL_CHECK_INDEX(post >= 0 && size_t(post) < pops_.size(), op, "no population {}", post);
  CAJAL_CHECK(tau >= 0, op, "expected a synaptic time constant tau >= 0, got {}", tau);
  Tensor T = as_matrix(transform, op, "transform");
  CAJAL_CHECK(T.size(0) == pops_[size_t(post)].dims() && T.size(1) == inputs_[size_t(input)].dims, op,
              "expected a transform of shape ({}, {}), got {}", pops_[size_t(post)].dims(), inputs_[size_t(input)].dims,
              T.shape());
  input_conns_.push_back({input, post, T, tau});
}

int Network::connect(int pre, int post, const Tensor& decoders, const Tensor& transform, double tau) {
  const char* op = "Network.connect";
  CAJAL_CHECK_INDEX(pre >= 0 && size_t(pre) < pops_.size() && post >= 0 && size_t(post) < pops_.size(), op,
                    "no population {} or {}", pre, post);
  CAJAL_CHECK(tau >= 0, op, "expected a synaptic time constant tau >= 0, got {}", tau);
  Tensor D = as_matrix(decoders, op, "decoders");
  Tensor T = as_matrix(transform, op, "transform");
  CAJAL_CHECK(D.size(0) == pops_[size_t(pre)].size(), op, "expected decoders with {} rows (one per neuron), got {}",
              pops_[size_t(pre)].size(), D.shape());
  CAJAL_CHECK(T.size(0) == pops_[size_t(post)].dims() && T.size(1) == D.size(1), op,
              "expected a transform of shape ({}, {}), got {}", pops_[size_t(post)].dims(), D.size(1), T.shape());
  conns_.push_back({pre, post, D, T, tau});
  return int(conns_.size() - 1);
}

int Network::probe(int pop, const Tensor& decoders, double tau) {
  const char* op = "Network.probe";
  CAJAL_CHECK_INDEX(pop >= 0 && size_t(pop) < pops_.size(), op, "no population {}", pop);
  CAJAL_CHECK(tau >= 0, op, "expected tau >= 0, got {}", tau);
  Tensor D = as_matrix(decoders, op, "decoders");
  CAJAL_CHECK(D.size(0) == pops_[size_t(pop)].size(), op, "expected decoders with {} rows, got {}",
              pops_[size_t(pop)].size(), D.shape());
  probes_.push_back({pop, D, tau});
  return int(probes_.size() - 1);
}

Tensor Network::full_weights(int c) const {
  CAJAL_CHECK_INDEX(c >= 0 && size_t(c) < conns_.size(), "Network.full_weights", "no connection {}", c);
  const Conn& k = conns_[size_t(c)];
  const Population& post = pops_[size_t(k.post)];
  // W = D T^T (E diag(gain) / radius)^T: (N, k) (k, d) (d, M).
  Tensor enc = mul(post.encoders(), unsqueeze(div(post.gains(), post.radius()), 1));  // (M, d)
  return matmul(matmul(k.decoders, k.transform.t()), enc.t());
}

int64_t Network::connection_multiplies_per_step() const {
  int64_t total = 0;
  for (const Conn& c : conns_) {
    int64_t N = pops_[size_t(c.pre)].size(), M = pops_[size_t(c.post)].size();
    int64_t k = c.decoders.size(1), d = pops_[size_t(c.post)].dims();
    total += use_full_weights ? N * M : N * k + k * d + d * M;
  }
  return total;
}

Network::Result Network::run(const RunOptions& opt) {
  const char* op = "Network.run";
  CAJAL_CHECK(std::isfinite(opt.dt) && opt.dt > 0, op, "expected dt > 0, got {}", opt.dt);
  CAJAL_CHECK(opt.duration >= opt.dt, op, "expected duration >= dt, got duration {} and dt {}", opt.duration, opt.dt);
  CAJAL_CHECK(!pops_.empty(), op, "expected at least one population");
  const double dt = opt.dt;
  const int64_t T = int64_t(std::llround(opt.duration / dt));
  const size_t P = pops_.size();

  std::vector<LIFPopulation> lif;
  for (const auto& p : pops_) lif.emplace_back(p.size(), p.lif());
  std::vector<Filter> in_f, conn_f, probe_f;
  for (const auto& ic : input_conns_) in_f.emplace_back(ic.transform.size(0), ic.tau);
  for (const auto& c : conns_)
    conn_f.emplace_back(use_full_weights ? pops_[size_t(c.pre)].size() : c.transform.size(0), c.tau);
  for (const auto& pr : probes_) probe_f.emplace_back(pr.decoders.size(1), pr.tau);
  std::vector<Tensor> W;
  if (use_full_weights)
    for (size_t c = 0; c < conns_.size(); ++c) W.push_back(full_weights(int(c)));

  Result res;
  res.t = empty({T}, DType::f64);
  for (const auto& pr : probes_) res.probes.push_back(empty({T, pr.decoders.size(1)}, DType::f64));
  if (opt.record_spikes)
    for (const auto& p : pops_) res.spikes.push_back(SpikeTrain{p.size(), double(T) * dt, {}, {}});
  if (opt.record_currents)
    for (const auto& p : pops_) res.currents.push_back(empty({T, p.size()}, DType::f64));

  std::vector<std::vector<double>> x(P), J(P), counts(P);
  for (size_t p = 0; p < P; ++p) {
    x[p].resize(size_t(pops_[p].dims()));
    J[p].resize(size_t(pops_[p].size()));
    counts[p].resize(size_t(pops_[p].size()));
  }
  std::vector<std::vector<double>> u(inputs_.size());
  for (size_t i = 0; i < inputs_.size(); ++i) u[i].resize(size_t(inputs_[i].dims));
  std::vector<double> r;

  for (int64_t k = 0; k < T; ++k) {
    double t = double(k) * dt;
    // 1. Inputs, through their transforms and synapses.
    for (size_t i = 0; i < inputs_.size(); ++i) inputs_[i].u(t, u[i].data());
    for (size_t c = 0; c < input_conns_.size(); ++c) {
      const auto& ic = input_conns_[c];
      int64_t rows = ic.transform.size(0), cols = ic.transform.size(1);
      const double* Tm = ic.transform.data_ptr<double>();
      r.assign(size_t(rows), 0.0);
      for (int64_t a = 0; a < rows; ++a)
        for (int64_t b = 0; b < cols; ++b) r[size_t(a)] += Tm[a * cols + b] * u[size_t(ic.input)][size_t(b)];
      in_f[c].step(dt, r);
    }
    // 2. What each population represents as input, then its currents.
    for (size_t p = 0; p < P; ++p) std::fill(x[p].begin(), x[p].end(), 0.0);
    for (size_t c = 0; c < input_conns_.size(); ++c) {
      auto& xp = x[size_t(input_conns_[c].post)];
      for (size_t a = 0; a < xp.size(); ++a) xp[a] += in_f[c].out()[a];
    }
    if (!use_full_weights)
      for (size_t c = 0; c < conns_.size(); ++c) {
        auto& xp = x[size_t(conns_[c].post)];
        for (size_t a = 0; a < xp.size(); ++a) xp[a] += conn_f[c].out()[a];
      }
    for (size_t p = 0; p < P; ++p) pops_[p].currents(x[p].data(), J[p].data());
    if (use_full_weights)
      for (size_t c = 0; c < conns_.size(); ++c) {  // J_post += W^T s_pre
        int64_t N = W[c].size(0), M = W[c].size(1);
        const double* w = W[c].data_ptr<double>();
        const double* s = conn_f[c].out();
        auto& Jp = J[size_t(conns_[c].post)];
        for (int64_t j = 0; j < N; ++j) {
          if (s[j] == 0) continue;
          for (int64_t i = 0; i < M; ++i) Jp[size_t(i)] += w[j * M + i] * s[j];
        }
      }
    // 3. Neurons.
    for (size_t p = 0; p < P; ++p) {
      if (opt.record_currents)
        std::copy(J[p].begin(), J[p].end(), res.currents[p].data_ptr<double>() + k * pops_[p].size());
      if (opt.record_spikes) {
        auto& train = res.spikes[p];
        size_t before = train.time.size();
        lif[p].step(J[p].data(), dt, t, &train);
        std::fill(counts[p].begin(), counts[p].end(), 0.0);
        for (size_t e = before; e < train.time.size(); ++e) counts[p][size_t(train.neuron[e])] += 1;
      } else {
        lif[p].step_counts(J[p].data(), dt, counts[p].data());
      }
    }
    // 4. Synapses take this step's spikes (as rates counts / dt).
    for (size_t c = 0; c < conns_.size(); ++c) {
      const auto& cn = conns_[c];
      const auto& cnt = counts[size_t(cn.pre)];
      if (use_full_weights) {
        r.resize(cnt.size());
        for (size_t j = 0; j < cnt.size(); ++j) r[j] = cnt[j] / dt;
      } else {
        int64_t N = cn.decoders.size(0), kk = cn.decoders.size(1), d = cn.transform.size(0);
        const double* D = cn.decoders.data_ptr<double>();
        const double* Tm = cn.transform.data_ptr<double>();
        std::vector<double> dec(size_t(kk), 0.0);
        for (int64_t j = 0; j < N; ++j) {
          if (cnt[size_t(j)] == 0) continue;
          for (int64_t m = 0; m < kk; ++m) dec[size_t(m)] += D[j * kk + m] * cnt[size_t(j)];
        }
        r.assign(size_t(d), 0.0);
        for (int64_t a = 0; a < d; ++a)
          for (int64_t m = 0; m < kk; ++m) r[size_t(a)] += Tm[a * kk + m] * dec[size_t(m)] / dt;
      }
      conn_f[c].step(dt, r);
    }
    for (size_t q = 0; q < probes_.size(); ++q) {
      const auto& pr = probes_[q];
      const auto& cnt = counts[size_t(pr.pop)];
      int64_t N = pr.decoders.size(0), kk = pr.decoders.size(1);
      const double* D = pr.decoders.data_ptr<double>();
      r.assign(size_t(kk), 0.0);
      for (int64_t j = 0; j < N; ++j)
        if (cnt[size_t(j)] != 0)
          for (int64_t m = 0; m < kk; ++m) r[size_t(m)] += D[j * kk + m] * cnt[size_t(j)] / dt;
      probe_f[q].step(dt, r);
      std::copy(probe_f[q].out(), probe_f[q].out() + kk, res.probes[q].data_ptr<double>() + k * kk);
    }
    res.t.data_ptr<double>()[k] = double(k + 1) * dt;
  }
  return res;
}

Tensor recurrent_transform(const Tensor& A, double tau) {
  CAJAL_CHECK(A.defined() && A.dim() == 2 && A.size(0) == A.size(1), "recurrent_transform",
              "expected a square dynamics matrix A, got {}", A.defined() ? A.shape() : Shape{});
  CAJAL_CHECK(tau > 0, "recurrent_transform", "expected tau > 0, got {}", tau);
  return add(mul(A.to(DType::f64), tau), eye(A.size(0), -1, DType::f64));
}

Tensor input_transform(const Tensor& B, double tau) {
  CAJAL_CHECK(B.defined() && B.dim() == 2, "input_transform", "expected an input matrix B, got {}",
              B.defined() ? B.shape() : Shape{});
  CAJAL_CHECK(tau > 0, "input_transform", "expected tau > 0, got {}", tau);
  return mul(B.to(DType::f64), tau);
}

namespace {
Network dynamics(int64_t dims, const Tensor& A, const Tensor& B, Network::InputFn u, const DynamicsOptions& opt) {
  PopulationOptions po;
  po.neurons = opt.neurons, po.dims = dims, po.seed = opt.seed;
  Network net;
  int pop = net.add_population(Population(po));
  Tensor D = decoders_for(net.population(pop), opt.decoder);
  int in = net.add_input(B.size(1), std::move(u));
  net.connect_input(in, pop, input_transform(B, opt.tau), opt.tau);
  net.connect(pop, pop, D, recurrent_transform(A, opt.tau), opt.tau);
  net.probe(pop, D, opt.probe_tau);
  return net;
}
}  // namespace

Network integrator(const std::function<double(double)>& u, const DynamicsOptions& opt) {
  return dynamics(1, zeros({1, 1}, DType::f64), ones({1, 1}, DType::f64), [u](double t, double* o) { o[0] = u(t); },
                  opt);
}

Network oscillator(double omega, const std::function<void(double, double*)>& u, const DynamicsOptions& opt) {
  return dynamics(2, tensor({{0.0, -omega}, {omega, 0.0}}, DType::f64), eye(2, -1, DType::f64), u, opt);
}

Network point_attractor(double tau_a, const std::function<double(double)>& target, const DynamicsOptions& opt) {
  CAJAL_CHECK(tau_a > 0, "point_attractor", "expected tau_a > 0, got {}", tau_a);
  return dynamics(1, full({1, 1}, -1.0 / tau_a, DType::f64), full({1, 1}, 1.0 / tau_a, DType::f64),
                  [target](double t, double* o) { o[0] = target(t); }, opt);
}

}  // namespace cajal::neuro
