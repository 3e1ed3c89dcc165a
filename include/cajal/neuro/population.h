// Populations of LIF neurons that represent a vector x (|x| <= radius), and their tuning curves.
//
// Neuron i receives J_i(x) = gain_i (e_i . x / radius) + bias_i and fires at a_i(x) = G(J_i(x)),
// G the LIF rate curve (lif.h). As in Nengo, each neuron's maximum rate (at x = radius e_i) and
// intercept (the e_i . x / radius where it starts firing) are drawn uniformly from stated ranges,
// and gain and bias follow from them:
//   J_max = 1 / (1 - exp((t_ref - 1/max_rate) / tau_m))   (the input that fires at max_rate)
//   gain  = (J_max - 1) / (1 - intercept),  bias = 1 - gain intercept
// (dimensionless LIF: threshold current 1). Encoders are uniform on the unit sphere (+-1 in 1-D).
#pragma once
#include <cstdint>

#include "cajal/core/generator.h"
#include "cajal/core/tensor.h"
#include "cajal/neuro/lif.h"

namespace cajal::neuro {

struct PopulationOptions {
  int64_t neurons = 50;
  int64_t dims = 1;
  double max_rate_low = 200.0, max_rate_high = 400.0;  // Hz
  double intercept_low = -1.0, intercept_high = 0.9;   // in units of the radius; high < 1 (Nengo's)
  double radius = 1.0;
  LIFParams lif = LIFParams::dimensionless(0.02, 0.002);
  uint64_t seed = 0;
  void validate(const char* op) const;
};

class Population {
 public:
  explicit Population(const PopulationOptions& opt = {});
  // From explicit encoders (N, d) (each row unit length), gains (N) and biases (N).
  Population(const Tensor& encoders, const Tensor& gains, const Tensor& biases,
             LIFParams lif = LIFParams::dimensionless(0.02, 0.002), double radius = 1.0);

  int64_t size() const { return n_; }
  int64_t dims() const { return d_; }
  double radius() const { return radius_; }
  const LIFParams& lif() const { return lif_; }
  const Tensor& encoders() const { return enc_; }  // (N, d) float64
  const Tensor& gains() const { return gain_; }    // (N)
  const Tensor& biases() const { return bias_; }   // (N)
  Tensor max_rates() const;                        // a_i(radius e_i), Hz
  Tensor intercepts() const;                       // (1 - bias_i) / gain_i

  // x: (S, d) or (S) when d = 1. Returns (S, N) float64.
  Tensor currents(const Tensor& x) const;
  Tensor rates(const Tensor& x) const;  // tuning curves a_i(x)
  // J for one point x (d values) into out (N values): the simulation's inner loop.
  void currents(const double* x, double* out) const;

 private:
  int64_t n_ = 0, d_ = 1;
  double radius_ = 1.0;
  LIFParams lif_;
  Tensor enc_, gain_, bias_;
};

// The input that makes a dimensionless LIF neuron fire at `rate` (Hz); rate < 1 / t_ref.
double lif_current_for_rate(double rate, const LIFParams& p);

// S points drawn uniformly from the d-ball of the given radius ((S, d) float64), seeded; the
// sample points of decoder solves (Nengo's default distribution).
Tensor sample_ball(int64_t points, int64_t dims, double radius = 1.0, uint64_t seed = 0);
// S points evenly spaced on [-radius, radius] as an (S, 1) tensor (1-D tuning-curve plots).
Tensor grid_1d(int64_t points, double radius = 1.0);

}  // namespace cajal::neuro
