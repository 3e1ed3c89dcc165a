// gradcheck and jacobian: the numerical oracle for every backward formula.
#include "cajal/autograd/gradcheck.h"

#include <cmath>

#include "cajal/autograd/engine.h"
#include "cajal/ops/ops.h"

namespace cajal::autograd {

namespace {
// Evaluates fn at the current input values, without recording, as a flat float64 vector.
std::vector<double> eval_flat(const TensorFn& fn, const std::vector<Tensor>& inputs) {
  NoGradGuard ng;
  return fn(inputs).contiguous().to(DType::f64).to_vector<double>();
}
}  // namespace

GradcheckResult gradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, double eps, double atol, double rtol) {
  GradcheckResult res;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].requires_grad())
      CAJAL_CHECK_TYPE(inputs[i].dtype() == DType::f64, "gradcheck", "input {} must be float64, got {}", i,
                       dtype_name(inputs[i].dtype()));
  }
  Tensor out = fn(inputs);
  const int64_t n_out = out.numel();
  // Analytical: one backward per output element, seeded with a one-hot upstream gradient.
  std::vector<std::vector<double>> analytic(inputs.size());  // [input][out_index * numel(input) + j]
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad()) analytic[i].assign(size_t(n_out * inputs[i].numel()), 0.0);
  std::vector<Tensor> diff_inputs;
  std::vector<size_t> diff_index;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad()) {
      diff_inputs.push_back(inputs[i]);
      diff_index.push_back(i);
    }
  if (diff_inputs.empty() || n_out == 0) return res;
  CAJAL_CHECK_KIND(out.requires_grad(), Runtime, "gradcheck", "the output does not require grad (no graph recorded)");
  for (int64_t o = 0; o < n_out; ++o) {
    Tensor seed = zeros(out.shape(), out.dtype());
    seed.data_ptr<double>()[o] = 1.0;
    auto grads = grad({out}, diff_inputs, {seed}, /*retain_graph=*/true, false, /*allow_unused=*/true);
    for (size_t k = 0; k < diff_inputs.size(); ++k) {
      if (!grads[k].defined()) continue;
      auto g = grads[k].contiguous().to_vector<double>();
      auto& dst = analytic[diff_index[k]];
      std::copy(g.begin(), g.end(), dst.begin() + o * int64_t(g.size()));
    }
  }
  // Numerical: central differences, perturbing each input element in place.
  for (size_t k = 0; k < diff_inputs.size(); ++k) {
    size_t i = diff_index[k];
    Tensor x = inputs[i];
    CAJAL_CHECK(x.is_contiguous(), "gradcheck", "input {} must be contiguous for perturbation", i);
    double* px = static_cast<double*>(x.raw_data());
    for (int64_t j = 0; j < x.numel(); ++j) {
      double orig = px[j];
      px[j] = orig + eps;
      auto plus = eval_flat(fn, inputs);
      px[j] = orig - eps;
      auto minus = eval_flat(fn, inputs);
      px[j] = orig;
      for (int64_t o = 0; o < n_out; ++o) {
        double num = (plus[o] - minus[o]) / (2 * eps);
        double ana = analytic[i][o * x.numel() + j];
        double err = std::abs(num - ana);
        res.max_abs_error = std::max(res.max_abs_error, err);
        if (!(err <= atol + rtol * std::abs(num)) && res.ok) {
          res.ok = false;
          res.message = fmt::format("input {} element {} output {}: analytical {} vs numerical {}", i, j, o, ana, num);
        }
      }
    }
  }
  return res;
}

Tensor jacobian(const std::function<Tensor(const Tensor&)>& fn, const Tensor& x) {
  Tensor xi = x.detach().clone();
  xi.requires_grad_(true);
  Tensor y = fn(xi);
  const int64_t n_out = y.numel(), n_in = xi.numel();
  Tensor jac = zeros({n_out, n_in}, x.dtype());
  if (!y.requires_grad()) return jac;
  for (int64_t o = 0; o < n_out; ++o) {
    Tensor seed = zeros(y.shape(), y.dtype());
    {
      NoGradGuard ng;
      seed.reshape({-1}).select(0, o).fill_(1.0);
    }
    auto g = grad({y}, {xi}, {seed}, /*retain_graph=*/true, false, /*allow_unused=*/true);
    if (g[0].defined()) {
      NoGradGuard ng;
      jac.select(0, o).copy_(g[0].reshape({-1}));
    }
  }
  return jac;
}

}  // namespace cajal::autograd
