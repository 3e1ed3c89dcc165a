// nn::Perceptron: Rosenblatt's threshold unit and its learning rule.
//
//   y_in = w . x + b          out = 1 if y_in > threshold (strict) / y_in >= threshold, else 0
//   rule, per sample:  w <- w + alpha (t - out) x,   b <- b + alpha (t - out) * 1
//
// Convention: the bias is a weight on a constant input 1 (trained by the same rule); a unit built
// with bias=false has none. The logic-gate examples of the notes use threshold 0, strict (out = 1
// if z > 0); the learning-rule example uses threshold 1, non-strict, no bias. Weights are float64.
#pragma once
#include <vector>

#include "cajal/nn/module.h"
#include "cajal/nn/options.h"

namespace cajal::nn {

struct PerceptronOptions {
  explicit PerceptronOptions(int64_t in_features) : in_features_(in_features) {}
  CAJAL_ARG(int64_t, in_features);
  CAJAL_ARG(double, threshold) = 0.0;
  CAJAL_ARG(bool, strict) = true;  // out = 1 needs y_in > threshold (true) or y_in >= threshold (false)
  CAJAL_ARG(bool, bias) = true;
};

// One presentation of one sample during training.
struct PerceptronStep {
  int64_t epoch = 0;   // 1-based
  int64_t sample = 0;  // row of X
  double target = 0, y_in = 0, output = 0;
  std::vector<double> weights;  // after this step's update
  double bias = 0;              // after this step's update (0 without bias)
};

struct PerceptronReport {
  bool converged = false;  // an epoch passed with every sample classified correctly
  int64_t epochs = 0;      // epochs run, including the final error-free one when converged
  int64_t updates = 0;     // samples that changed the weights
  std::vector<PerceptronStep> steps;               // every presentation, in order
  std::vector<std::vector<double>> epoch_weights;  // weights at the end of each epoch
  std::vector<double> epoch_bias;                  // bias at the end of each epoch
  std::vector<int64_t> epoch_errors;               // misclassified samples in each epoch
};

class Perceptron : public UnaryModule {
 public:
  explicit Perceptron(const PerceptronOptions& options);
  explicit Perceptron(int64_t in_features) : Perceptron(PerceptronOptions(in_features)) {}

  // x: (N, in) or (in)  ->  0/1 outputs (N) or (), in the weights' dtype.
  Tensor forward(const Tensor& x) override;
  // The pre-activation y_in = w . x + b: (N, in) -> (N).
  Tensor net_input(const Tensor& x) const;

  // Sets the weights (in values) and the bias (ignored without bias).
  void set_weights(const std::vector<double>& w, double b = 0.0);
  std::vector<double> weights() const;
  double bias_value() const;

  // Trains with the perceptron rule, presenting the rows of X (N, in) in order with targets T
  // (N values, 0 or 1), until an epoch makes no mistake or max_epochs have run.
  PerceptronReport train(const Tensor& X, const Tensor& T, double alpha, int64_t max_epochs);
  using Module::train;  // train(bool) still sets the mode

  std::string extra_repr() const override;
  const PerceptronOptions& options() const { return options_; }

  Tensor weight;  // (1, in_features), float64
  Tensor bias;    // (1), undefined without bias

 private:
  PerceptronOptions options_;
};

}  // namespace cajal::nn
