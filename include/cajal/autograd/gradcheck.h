// Numerical checks of the analytical gradients (float64 central differences), and Jacobians.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::autograd {

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0.0;
  std::string message;  // which input and element failed, analytical vs numerical
};

// Compares the backward of fn (a tensor-valued function of float64 inputs) with central
// differences, for every input that requires grad: each output element in turn is seeded with 1.
// |analytical - numerical| <= atol + rtol |numerical| must hold everywhere.
GradcheckResult gradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, double eps = 1e-6,
                          double atol = 1e-5, double rtol = 1e-3);

// The full Jacobian d fn(x) / d x as a matrix (numel(out), numel(x)), by one backward per output
// element. The softmax Jacobian of the notes is jacobian(softmax, x).
Tensor jacobian(const std::function<Tensor(const Tensor&)>& fn, const Tensor& x);

}  // namespace cajal::autograd
