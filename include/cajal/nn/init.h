// nn::init: parameter initialisers, PyTorch's torch.nn.init with the same names, formulas and gains.
//
// Convention: every initialiser fills the tensor in place under no-grad (so it works on
// parameters that require grad), draws serially from `gen` (the default generator when null), and
// returns the tensor. Fans follow PyTorch for weights shaped (out, in, k...):
//   fan_in = in * prod(k),  fan_out = out * prod(k)      (Linear: (out, in); Conv2d: (out, in, kH, kW))
#pragma once
#include <optional>
#include <utility>

#include "cajal/core/generator.h"
#include "cajal/core/tensor.h"

namespace cajal::nn::init {

enum class Nonlinearity { Linear, Conv, Sigmoid, Tanh, ReLU, LeakyReLU, SELU };
enum class FanMode { FanIn, FanOut };

// Recommended gain for a nonlinearity: linear/conv/sigmoid 1, tanh 5/3, relu sqrt(2),
// leaky_relu sqrt(2 / (1 + slope^2)) (slope = `param`, 0.01 when absent), selu 3/4.
double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param = std::nullopt);

// (fan_in, fan_out) of a weight of at least 2 dims, shaped (out, in, k...).
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Shape& shape);

Tensor& uniform_(Tensor& t, double a = 0.0, double b = 1.0, Generator* gen = nullptr);    // U(a, b)
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);  // N(mean, std^2)
Tensor& constant_(Tensor& t, double value);
Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);

// Glorot: U(-b, b) with b = gain sqrt(6 / (fan_in + fan_out)); N(0, s^2) with s = gain sqrt(2 / (fan_in + fan_out)).
Tensor& xavier_uniform_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);
Tensor& xavier_normal_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);

// He: s = calculate_gain(nonlinearity, a) / sqrt(fan); uniform draws U(-sqrt(3) s, sqrt(3) s),
// normal draws N(0, s^2). `a` is the negative slope of leaky_relu (0 gives the relu gain).
// Linear's default, kaiming_uniform_(w, sqrt(5)), is U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
Tensor& kaiming_uniform_(Tensor& t, double a = 0.0, FanMode mode = FanMode::FanIn,
                         Nonlinearity nonlinearity = Nonlinearity::LeakyReLU, Generator* gen = nullptr);
Tensor& kaiming_normal_(Tensor& t, double a = 0.0, FanMode mode = FanMode::FanIn,
                        Nonlinearity nonlinearity = Nonlinearity::LeakyReLU, Generator* gen = nullptr);

}  // namespace cajal::nn::init
