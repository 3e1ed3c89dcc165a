// The vanishing gradient of the notes, measured: how strongly the loss at the last step of a
// sequence depends on the input `distance` steps earlier, for a tanh RNN and for an LSTM of the
// same size (`cajal examples vanishing_gradient`, which prints the table and draws the PNG).
//
// Set-up: T steps of inputs x_t ~ N(0, 1) (8 features, one sequence), an nn::RNN (tanh) and an
// nn::LSTM with H hidden units and torch's initialisation drawn from Generator(seed); the LSTM's
// forget-gate bias b_ih[f] is set to 1 (Jozefowicz et al. 2015, the usual practice that keeps the
// cell's memory open at the start). Loss L = sum of h_T. For every t, |dL/dx_t| (2-norm over the
// features), from one backward pass each.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace cajal::examples {

struct VanishingGradient {
  int64_t steps = 0, hidden = 0;
  // Index d: the input d steps before the last (d = T - 1 - t).
  std::vector<double> rnn, lstm;  // |dL/dx_{T-1-d}|
};

VanishingGradient vanishing_gradient(int64_t steps = 100, int64_t hidden = 32, uint64_t seed = 0);

// The table `cajal examples vanishing_gradient` prints: each model's norm at a few distances, also
// relative to distance 0.
std::string format_vanishing_gradient(const VanishingGradient& v);
// log10 of each norm relative to distance 0 against the distance, both models in one panel; false
// (with why) when PLplot cannot draw.
bool plot_vanishing_gradient(const VanishingGradient& v, const std::string& path, std::string* why = nullptr);

}  // namespace cajal::examples
