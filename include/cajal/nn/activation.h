// Parameterless modules that apply one cajal op: every activation of cajal/ops/ops.h, Flatten
// and Identity.
//
// Convention: they are all one mechanism, FunctionModule<Args...>: a type name, a pointer to the
// op `Tensor op(const Tensor&, Args...)`, the names of its extra arguments (for the printed
// tree) and their values, fixed at construction. Each named module below only states its op and
// its PyTorch defaults; forward is one call through the stored pointer, with no allocation.
#pragma once
#include <array>
#include <string>
#include <tuple>

#include "cajal/nn/module.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace detail {
// Python-style literal of an extra argument, as PyTorch prints it: True, 0.01, 1.0, -1.
std::string repr_arg(bool v);
std::string repr_arg(int64_t v);
std::string repr_arg(double v);
}  // namespace detail

template <class... Args>
class FunctionModule : public UnaryModule {
 public:
  using Fn = Tensor (*)(const Tensor&, Args...);

  FunctionModule(const char* type_name, Fn fn, std::array<const char*, sizeof...(Args)> arg_names, Args... args)
      : UnaryModule(type_name), fn_(fn), arg_names_(arg_names), args_(args...) {}

  Tensor forward(const Tensor& x) override {
    return std::apply([&](const Args&... a) { return fn_(x, a...); }, args_);
  }

  // "negative_slope=0.01", "threshold=0.0, strict=True", "" without extra arguments.
  std::string extra_repr() const override {
    std::string s;
    size_t i = 0;
    auto append = [&](const auto& value) {
      s += (i ? ", " : "") + std::string(arg_names_[i]) + "=" + detail::repr_arg(value);
      ++i;
    };
    std::apply([&](const Args&... a) { (append(a), ...); }, args_);
    return s;
  }

  // The fixed extra arguments, in the op's order.
  const std::tuple<Args...>& args() const { return args_; }

 private:
  Fn fn_;
  std::array<const char*, sizeof...(Args)> arg_names_;
  std::tuple<Args...> args_;
};

// --- activations (formulas and derivatives: cajal/ops/ops.h) ---
struct Sigmoid : FunctionModule<> {
  Sigmoid() : FunctionModule("Sigmoid", &cajal::sigmoid, {}) {}
};
struct Tanh : FunctionModule<> {
  Tanh() : FunctionModule("Tanh", &cajal::tanh, {}) {}
};
struct ReLU : FunctionModule<> {
  ReLU() : FunctionModule("ReLU", &cajal::relu, {}) {}
};
struct LeakyReLU : FunctionModule<double> {
  explicit LeakyReLU(double negative_slope = 0.01)
      : FunctionModule("LeakyReLU", &cajal::leaky_relu, {"negative_slope"}, negative_slope) {}
};
struct Softplus : FunctionModule<double, double> {
  explicit Softplus(double beta = 1.0, double threshold = 20.0)
      : FunctionModule("Softplus", &cajal::softplus, {"beta", "threshold"}, beta, threshold) {}
};
struct Atan : FunctionModule<> {
  Atan() : FunctionModule("Atan", &cajal::atan, {}) {}
};
// Heaviside step: 1 where x > threshold (strict) or x >= threshold, else 0; no gradient flows.
struct Step : FunctionModule<double, bool> {
  explicit Step(double threshold = 0.0, bool strict = true)
      : FunctionModule("Step", &cajal::step, {"threshold", "strict"}, threshold, strict) {}
};
struct Softmax : FunctionModule<int64_t> {
  explicit Softmax(int64_t dim = -1) : FunctionModule("Softmax", &cajal::softmax, {"dim"}, dim) {}
};
struct LogSoftmax : FunctionModule<int64_t> {
  explicit LogSoftmax(int64_t dim = -1) : FunctionModule("LogSoftmax", &cajal::log_softmax, {"dim"}, dim) {}
};
// tanh_approx=false: exact 0.5 x (1 + erf(x / sqrt 2)) (PyTorch's approximate='none').
struct GELU : FunctionModule<bool> {
  explicit GELU(bool tanh_approx = false) : FunctionModule("GELU", &cajal::gelu, {"tanh_approx"}, tanh_approx) {}
};
struct ELU : FunctionModule<double> {
  explicit ELU(double alpha = 1.0) : FunctionModule("ELU", &cajal::elu, {"alpha"}, alpha) {}
};
struct SELU : FunctionModule<> {
  SELU() : FunctionModule("SELU", &cajal::selu, {}) {}
};
struct SiLU : FunctionModule<> {
  SiLU() : FunctionModule("SiLU", &cajal::silu, {}) {}
};

// --- shape ---
// Flattens dims start_dim..end_dim into one (a view when the layout allows): (N, C, H, W) -> (N, C*H*W).
struct Flatten : FunctionModule<int64_t, int64_t> {
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : FunctionModule("Flatten", &cajal::flatten, {"start_dim", "end_dim"}, start_dim, end_dim) {}
};

// Returns its input unchanged (the same tensor handle).
struct Identity : UnaryModule {
  Identity() : UnaryModule("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

}  // namespace cajal::nn
