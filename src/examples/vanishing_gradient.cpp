// The vanishing-gradient demonstration (cajal/examples/vanishing_gradient.h).
#include "cajal/examples/vanishing_gradient.h"

#include <fmt/format.h>

#include <cmath>

#include "cajal/core/generator.h"
#include "cajal/nn/rnn.h"
#include "cajal/ops/ops.h"
#include "cajal/train/plot.h"

namespace cajal::examples {

namespace {

constexpr int64_t kFeatures = 8;

// |dL/dx_t| for every t of a (T, 1, F) input, L = sum of the final hidden state.
template <class Run>
std::vector<double> input_gradient_norms(const Tensor& x_in, Run run) {
  Tensor x = x_in.detach();
  x.requires_grad_(true);
  Tensor h_last = run(x);
  sum(h_last).backward();
  Tensor norms = sqrt(sum(mul(x.grad(), x.grad()), {1, 2}));  // (T)
  std::vector<double> by_time = norms.to_vector<double>(), by_distance(by_time.rbegin(), by_time.rend());
  return by_distance;
}

}  // namespace

VanishingGradient vanishing_gradient(int64_t steps, int64_t hidden, uint64_t seed) {
  CAJAL_CHECK(steps >= 2 && hidden >= 1, "vanishing_gradient", "expected steps >= 2 and hidden >= 1, got {} and {}",
              steps, hidden);
  Generator gen(seed);
  const Tensor x = randn({steps, 1, kFeatures}, DType::f64, &gen);
  nn::RNN rnn(nn::RNNOptions(kFeatures, hidden).dtype(DType::f64).generator(&gen));
  nn::LSTM lstm(nn::LSTMOptions(kFeatures, hidden).dtype(DType::f64).generator(&gen));
  {
    NoGradGuard ng;
    lstm.weights().at(0).b_ih.narrow(0, hidden, hidden).fill_(1.0);  // gate order i, f, g, o
  }
  VanishingGradient v;
  v.steps = steps, v.hidden = hidden;
  v.rnn = input_gradient_norms(x, [&](const Tensor& in) { return std::get<1>(rnn.forward(in)); });
  v.lstm = input_gradient_norms(x, [&](const Tensor& in) { return std::get<0>(std::get<1>(lstm.forward(in))); });
  return v;
}

std::string format_vanishing_gradient(const VanishingGradient& v) {
  std::string s = fmt::format(
      "|dL/dx_t| for L = sum(h_T), T = {}, {} hidden units, by distance d = T-1-t (relative to d = 0)\n", v.steps,
      v.hidden);
  s += fmt::format("{:>9} {:>24} {:>24}\n", "distance", "tanh RNN", "LSTM");
  for (int64_t d : {0, 1, 2, 5, 10, 20, 30, 50, 75, 99}) {
    if (d >= v.steps) break;
    const size_t i = size_t(d);
    s += fmt::format("{:>9} {:>11.3e} ({:>9.2e}) {:>11.3e} ({:>9.2e})\n", d, v.rnn[i], v.rnn[i] / v.rnn[0], v.lstm[i],
                     v.lstm[i] / v.lstm[0]);
  }
  return s;
}

bool plot_vanishing_gradient(const VanishingGradient& v, const std::string& path, std::string* why) {
  train::Panel panel{"log10 |dL/dx_t| / |dL/dx_T-1|", {{"tanh RNN", {}, {}}, {"LSTM", {}, {}}}, true,
                     "distance T-1-t (steps back from the last input)"};
  for (size_t d = 0; d < v.rnn.size(); ++d) {
    panel.curves[0].x.push_back(double(d)), panel.curves[0].y.push_back(std::log10(v.rnn[d] / v.rnn[0]));
    panel.curves[1].x.push_back(double(d)), panel.curves[1].y.push_back(std::log10(v.lstm[d] / v.lstm[0]));
  }
  return train::plot_panels(path, fmt::format("vanishing gradient, T = {}, H = {}", v.steps, v.hidden), {panel}, why);
}

}  // namespace cajal::examples
