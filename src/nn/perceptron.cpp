// nn::Perceptron: forward through cajal ops (linear, step); training with the perceptron rule on
// plain doubles, since the rule is sequential sample by sample and updates only on mistakes.
#include "cajal/nn/perceptron.h"

#include "cajal/autograd/grad_mode.h"
#include "cajal/nn/activation.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

Perceptron::Perceptron(const PerceptronOptions& options) : UnaryModule("Perceptron"), options_(options) {
  CAJAL_CHECK(options.in_features() >= 1, "Perceptron", "expected in_features >= 1, got {}", options.in_features());
  weight = register_parameter("weight", zeros({1, options.in_features()}, DType::f64));
  if (options.bias()) bias = register_parameter("bias", zeros({1}, DType::f64));
}

Tensor Perceptron::net_input(const Tensor& x) const {
  CAJAL_CHECK(x.dim() == 1 || x.dim() == 2, "Perceptron",
              "expected input of shape (N, {}) or ({}), got shape {}", options_.in_features(), options_.in_features(),
              shape_str(x.shape()));
  return linear(x.to(weight.dtype()), weight, bias).squeeze(-1);
}

Tensor Perceptron::forward(const Tensor& x) { return step(net_input(x), options_.threshold(), options_.strict()); }

void Perceptron::set_weights(const std::vector<double>& w, double b) {
  CAJAL_CHECK(int64_t(w.size()) == options_.in_features(), "Perceptron.set_weights",
              "expected {} weights, got {}", options_.in_features(), w.size());
  NoGradGuard no_grad;
  weight.copy_(from_vector(w, {1, int64_t(w.size())}, DType::f64));
  if (bias.defined()) bias.fill_(b);
}

std::vector<double> Perceptron::weights() const { return weight.contiguous().to_vector<double>(); }
double Perceptron::bias_value() const { return bias.defined() ? bias.item() : 0.0; }

PerceptronReport Perceptron::train(const Tensor& X, const Tensor& T, double alpha, int64_t max_epochs) {
  const int64_t in = options_.in_features();
  CAJAL_CHECK(X.dim() == 2 && X.size(1) == in, "Perceptron.train",
              "expected X of shape (N, {}), got shape {}", in, shape_str(X.shape()));
  const int64_t n = X.size(0);
  CAJAL_CHECK(T.numel() == n, "Perceptron.train", "expected {} targets (one per row of X), got shape {}", n,
              shape_str(T.shape()));
  CAJAL_CHECK(alpha > 0.0, "Perceptron.train", "expected a learning rate alpha > 0, got {}", alpha);
  CAJAL_CHECK(max_epochs >= 1, "Perceptron.train", "expected max_epochs >= 1, got {}", max_epochs);
  const std::vector<double> x = X.contiguous().to_vector<double>();
  const std::vector<double> t = T.contiguous().reshape({-1}).to_vector<double>();
  for (int64_t i = 0; i < n; ++i)
    CAJAL_CHECK(t[size_t(i)] == 0.0 || t[size_t(i)] == 1.0, "Perceptron.train",
                "targets must be 0 or 1, got {} at position {}", t[size_t(i)], i);

  std::vector<double> w = weights();
  double b = bias_value();
  const bool has_bias = bias.defined();
  const double theta = options_.threshold();
  const bool strict = options_.strict();

  PerceptronReport report;
  for (int64_t epoch = 1; epoch <= max_epochs; ++epoch) {
    int64_t errors = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double* xi = x.data() + i * in;
      double y_in = has_bias ? b : 0.0;
      for (int64_t j = 0; j < in; ++j) y_in += w[size_t(j)] * xi[j];
      const double out = (strict ? y_in > theta : y_in >= theta) ? 1.0 : 0.0;
      const double err = t[size_t(i)] - out;
      if (err != 0.0) {
        ++errors;
        for (int64_t j = 0; j < in; ++j) w[size_t(j)] += alpha * err * xi[j];
        if (has_bias) b += alpha * err;  // the bias input is the constant 1
      }
      report.steps.push_back({epoch, i, t[size_t(i)], y_in, out, w, has_bias ? b : 0.0});
    }
    report.updates += errors;
    report.epochs = epoch;
    report.epoch_weights.push_back(w);
    report.epoch_bias.push_back(has_bias ? b : 0.0);
    report.epoch_errors.push_back(errors);
    if (errors == 0) {
      report.converged = true;
      break;
    }
  }
  set_weights(w, b);
  return report;
}

std::string Perceptron::extra_repr() const {
  return fmt::format("in_features={}, threshold={}, strict={}, bias={}", options_.in_features(),
                     detail::repr_arg(options_.threshold()), detail::repr_arg(options_.strict()),
                     detail::repr_arg(options_.bias()));
}

}  // namespace cajal::nn
