// Spike trains: event lists (neuron, time) and binned tensors, and seeded generators.
//
// Convention: times are in the caller's unit (seconds for LIF/NEF code, milliseconds for
// Hodgkin-Huxley); a train covers [0, duration). Events are kept sorted by time, then neuron.
#pragma once
#include <cstdint>
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::neuro {

// The spikes of `num_neurons` neurons over [0, duration): a(t) = sum_p delta(t - t_p) per neuron.
struct SpikeTrain {
  int64_t num_neurons = 0;
  double duration = 0.0;
  std::vector<int32_t> neuron;  // event i: neuron[i] fired at time[i]
  std::vector<double> time;

  int64_t size() const { return int64_t(time.size()); }
  void add(int32_t n, double t) { neuron.push_back(n), time.push_back(t); }
  // Sorts the events by time (stable, so simultaneous events keep their order).
  void sort();
  // The spike times of neuron i, ascending.
  std::vector<double> times_of(int64_t i) const;
  // Spike count of every neuron (num_neurons).
  std::vector<int64_t> counts() const;
  // Mean firing rate of every neuron: count / duration.
  std::vector<double> rates() const;
  // Binned counts, float64 (T, N) with T = ceil(duration / dt): bin k holds [k dt, (k+1) dt).
  Tensor binned(double dt) const;
};

// A binned (T, N) count tensor back to events, each at the start of its bin (k dt).
SpikeTrain from_binned(const Tensor& counts, double dt);

// Homogeneous Poisson trains: exponential inter-spike intervals of mean 1/rate (continuous time),
// drawn serially from one seeded stream (same seed, same train).
SpikeTrain poisson_spikes(int64_t num_neurons, double rate, double duration, uint64_t seed = 0);
// Regular trains: neuron i fires at phase + k / rate, k = 0, 1, ... (phase in [0, 1/rate)).
SpikeTrain regular_spikes(int64_t num_neurons, double rate, double duration, double phase = 0.0);

// Coefficient of variation of the inter-spike intervals of neuron i (1 for Poisson, 0 regular);
// NaN with fewer than 3 spikes.
double isi_cv(const SpikeTrain& train, int64_t i);

}  // namespace cajal::neuro
