// The Neural Engineering Framework: spiking LIF populations connected by decoded functions,
// with exponential synapses, simulated in time.
//
// A connection from population A (N neurons) to B (M neurons) computing y = T f(x) uses the
// decoders D of f (N x k), a transform T (d_B x k) and B's encoders E (M x d_B). The weight matrix
// is the product W = D T^T (E diag(gain / radius))^T (N x M; rank <= d_B). cajal keeps it factored:
// per step the spikes are decoded (O(N k)), transformed (O(k d_B)), filtered, and encoded
// (O(d_B M)): O(N + M) for fixed dimensions, against O(N M) for the full matrix. Both forms give
// the same currents (linear filters commute with linear maps); `full_weights` runs the full one.
//
// Dynamics (the notes' synaptic-filter mapping): to implement dx/dt = A x + B u with synapses of
// time constant tau, connect the population to itself with transform A' = tau A + I and feed u
// with transform B' = tau B. integrator(): A = 0, B = 1; oscillator(): A = [[0, -w], [w, 0]];
// point attractor: A = -I / tau_a, B = I / tau_a with u the target point.
//
// Time step order (Nengo's): input currents from the synapse states, neurons advance dt exactly
// (lif.h), then the synapses decay over dt and take this step's spikes.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "cajal/core/tensor.h"
#include "cajal/neuro/decoders.h"
#include "cajal/neuro/population.h"
#include "cajal/neuro/spikes.h"

namespace cajal::neuro {

class Network {
 public:
  // An input node: out (dims values) = u(t).
  using InputFn = std::function<void(double t, double* out)>;

  int add_population(const Population& p);
  int add_input(int64_t dims, InputFn u);
  // Input node -> population: x_in += T * (h * u), transform (d_post, d_in); tau = 0: no filter.
  void connect_input(int input, int post, const Tensor& transform, double tau);
  // Population -> population (post may equal pre): decoders (N_pre, k), transform (d_post, k).
  int connect(int pre, int post, const Tensor& decoders, const Tensor& transform, double tau);
  // A filtered decoded output of a population: decoders (N, k); recorded every step as (T, k).
  int probe(int pop, const Tensor& decoders, double tau);

  // The full weight matrix (N_pre, N_post) of connection c, in the units of the input current.
  Tensor full_weights(int connection) const;
  bool use_full_weights = false;  // simulate every connection through its full matrix
  // Multiply-adds one step costs for the connections (the factored or the full form).
  int64_t connection_multiplies_per_step() const;

  struct Result {
    Tensor t;                          // (T): the end time of each step
    std::vector<Tensor> probes;        // (T, k) per probe
    std::vector<SpikeTrain> spikes;    // per population (when recorded)
    std::vector<Tensor> currents;      // per population (T, N) input currents (when recorded)
  };
  struct RunOptions {
    double duration = 1.0, dt = 1e-3;
    bool record_spikes = false, record_currents = false;
  };
  Result run(const RunOptions& opt);

  const Population& population(int i) const { return pops_.at(size_t(i)); }
  int64_t num_populations() const { return int64_t(pops_.size()); }

 private:
  struct Input { int64_t dims; InputFn u; };
  struct InputConn { int input, post; Tensor transform; double tau; };
  struct Conn { int pre, post; Tensor decoders, transform; double tau; };
  struct Probe { int pop; Tensor decoders; double tau; };
  std::vector<Population> pops_;
  std::vector<Input> inputs_;
  std::vector<InputConn> input_conns_;
  std::vector<Conn> conns_;
  std::vector<Probe> probes_;
};

// The transform of the notes' mapping: tau A + I for the recurrence, tau B for the input.
Tensor recurrent_transform(const Tensor& A, double tau);
Tensor input_transform(const Tensor& B, double tau);

// Ready-made networks of the notes, each one population with a recurrent connection.
struct DynamicsOptions {
  int64_t neurons = 200;
  double tau = 0.1;           // recurrent synapse (s)
  double probe_tau = 0.01;    // smoothing of the decoded output
  DecoderOptions decoder{};
  uint64_t seed = 0;
};
// dx/dt = u: an integrator driven by u(t) (1-D).
Network integrator(const std::function<double(double)>& u, const DynamicsOptions& opt = {});
// dx/dt = [[0, -w], [w, 0]] x + u: a harmonic oscillator at w rad/s, kicked by u(t) (2-D).
Network oscillator(double omega, const std::function<void(double, double*)>& u, const DynamicsOptions& opt = {});
// dx/dt = (target(t) - x) / tau_a: a point attractor that settles on the target (1-D).
Network point_attractor(double tau_a, const std::function<double(double)>& target, const DynamicsOptions& opt = {});

}  // namespace cajal::neuro
