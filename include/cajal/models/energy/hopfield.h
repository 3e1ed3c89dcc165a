// Hopfield networks (the notes' section 16): a content-addressable memory of +-1 patterns.
//
// Classic (binary) network of N units: Hebbian storage W = X^T X / M with a zero diagonal (the
// fixed point of the notes' tau_w dW/dt = X^T X / M - I), units x_i = +1 when (x W + b)_i >= 0
// else -1, and the energy E(x) = -1/2 x W x^T - b x^T. Asynchronous updates (one unit at a time)
// never raise E because W is symmetric with a zero diagonal; synchronous updates (all units at
// once) may end in a 2-cycle instead. Recall works up to a load M/N of about 0.14 (Amit, Gutfreund
// and Sompolinsky's 0.138): hopfield_capacity measures that breakdown.
//
// Modern (continuous) Hopfield retrieval (Ramsauer et al. 2020): one update of a query xi is
// softmax(beta xi X^T) X, attention with the stored patterns as keys and values; its capacity is
// exponential in N instead of linear.
//
//   HopfieldNetwork net(patterns);                     // [M, N] of +-1
//   HopfieldRecall r = net.recall(corrupted, HopfieldUpdate::Async, 20, &gen);
//   r.state, r.energies (one per sweep), r.steps (the states, for a picture)
#pragma once
#include <cstdint>
#include <vector>

#include "cajal/core/generator.h"
#include "cajal/core/tensor.h"

namespace cajal::models::energy {

// Throws cajal::Error (Value) naming `op` and the first entry that is not +1 or -1.
void check_bipolar(const Tensor& x, const char* op);

// W = X^T X / M with zero diagonal, for patterns X [M, N] of +-1 entries. f32 [N, N].
Tensor hebbian_weights(const Tensor& patterns);

// E = -1/2 x W x^T - b x^T for each row of x ([N] or [B, N]); b may be undefined (zero). Float64
// accumulation; returns one value per row.
std::vector<double> hopfield_energy(const Tensor& W, const Tensor& b, const Tensor& x);

enum class HopfieldUpdate { Sync, Async };

struct HopfieldRecall {
  Tensor state;                  // [B, N] (or [N] for a [N] start), +-1
  std::vector<Tensor> steps;     // the start and the state after each step (sweep), same shape
  std::vector<double> energies;  // the energy of the first row after each entry of steps
  int64_t iterations = 0;        // steps (synchronous updates or asynchronous sweeps) taken
  bool converged = false;        // a step changed nothing
};

class HopfieldNetwork {
 public:
  // An empty network of n units (weights and biases zero).
  explicit HopfieldNetwork(int64_t n);
  // Stores `patterns` [M, N] (+-1 entries) by the Hebbian rule; bias zero.
  explicit HopfieldNetwork(const Tensor& patterns);

  int64_t size() const { return n_; }
  const Tensor& weight() const { return W_; }  // [N, N], symmetric, zero diagonal
  const Tensor& bias() const { return b_; }    // [N]
  void set_bias(const Tensor& b);

  // E per row of x ([N] or [B, N]).
  std::vector<double> energy(const Tensor& x) const;
  // One synchronous update of every unit: sign(x W + b), 0 going to +1.
  Tensor sync_step(const Tensor& x) const;
  // One asynchronous sweep: every unit once, in an order drawn from gen (default generator when
  // null), each seeing the units updated before it. `energy_trace`, when given, receives the
  // first row's energy after every single-unit update (the test of E never rising).
  Tensor async_sweep(const Tensor& x, Generator* gen = nullptr, std::vector<double>* energy_trace = nullptr) const;
  // Updates until a step changes nothing or max_steps steps were taken.
  HopfieldRecall recall(const Tensor& x, HopfieldUpdate update, int64_t max_steps = 100,
                        Generator* gen = nullptr) const;

 private:
  int64_t n_;
  Tensor W_, b_;
};

// Flips a fraction of the entries of +-1 patterns (exactly round(fraction * N) per row, chosen by
// gen): the corrupted cues of a recall test.
Tensor corrupt_bipolar(const Tensor& patterns, double fraction, Generator* gen = nullptr);

// Random +-1 patterns [M, N], each entry +1 with probability 1/2.
Tensor random_bipolar(int64_t m, int64_t n, Generator* gen = nullptr);

// Modern Hopfield retrieval: `steps` updates xi <- softmax(beta xi X^T) X of the queries [B, N]
// (or [N]) against the stored patterns X [M, N] (any real values); scaled_dot_product_attention
// with scale beta.
Tensor modern_hopfield_retrieve(const Tensor& patterns, const Tensor& queries, double beta, int64_t steps = 1);

// Recall versus load: for each M in `loads` (patterns per unit, M = round(load * N)), store M
// random patterns in N units `trials` times, start from each stored pattern with `flip_fraction`
// of its entries flipped, update asynchronously to a fixed point, and measure the overlap
// m = x . xi / N with the stored pattern.
struct CapacityPoint {
  double load = 0;              // M / N
  int64_t patterns = 0;         // M
  double mean_overlap = 0;      // mean final overlap
  double recalled = 0;          // share of cues ending with overlap >= recall_threshold
  double stable_bits = 0;       // share of stored patterns' bits left unchanged by one sync step
};
struct CapacityOptions {
  int64_t units = 400;
  std::vector<double> loads{0.02, 0.05, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.25, 0.3};
  int64_t trials = 3;
  double flip_fraction = 0.05;
  double recall_threshold = 0.95;
  int64_t max_sweeps = 50;
  uint64_t seed = 0;
};
std::vector<CapacityPoint> hopfield_capacity(const CapacityOptions& options);

}  // namespace cajal::models::energy
