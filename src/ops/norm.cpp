// Layer norm and RMS norm over the trailing `normalized_shape` dims, and batch norm's training-mode
// normalisation over every dim but the channels: one fused kernel forward
// (kernels/cpu/norm.h) that keeps only the per-row mean and 1/std for the backward, and the
// backward twice through fused_or_composed: the fused kernel, and the same gradient in cajal ops
// (the statistics recomputed from x, so it differentiates again).
#include <cmath>
#include <limits>

#include "cajal/autograd/fused.h"
#include "cajal/ops/ops.h"
#include "kernels/cpu/batch_norm.h"
#include "kernels/cpu/norm.h"

namespace cajal {

using autograd::fused_or_composed;
using autograd::record;
using autograd::Saved;
namespace k = kernels::cpu;

namespace {

// The trailing dims normalised, as reduction dims of x, and their element count; checks shapes.
struct NormDims {
  Shape dims;
  int64_t D = 1, rows = 1;
};

NormDims check_norm(const char* op, const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                    const Tensor& bias) {
  CAJAL_CHECK(x.defined(), op, "expected a defined input tensor");
  CAJAL_CHECK_TYPE(x.is_floating_point(), op, "expected a floating input, got {}", dtype_name(x.dtype()));
  const int64_t n = int64_t(normalized_shape.size()), nd = x.dim();
  CAJAL_CHECK(n >= 1 && n <= nd && Shape(x.shape().end() - n, x.shape().end()) == normalized_shape, op,
              "expected an input whose last {} dims are normalized_shape {}, got input shape {}", n,
              shape_str(normalized_shape), shape_str(x.shape()));
  for (const auto& [t, name] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}}) {
    if (!t->defined()) continue;
    CAJAL_CHECK(t->shape() == normalized_shape, op, "expected a {} of shape normalized_shape {}, got {}", name,
                shape_str(normalized_shape), shape_str(t->shape()));
    CAJAL_CHECK_TYPE(t->dtype() == x.dtype(), op, "expected a {} of the input's dtype {}, got {}", name,
                     dtype_name(x.dtype()), dtype_name(t->dtype()));
  }
  NormDims d;
  for (int64_t i = nd - n; i < nd; ++i) {
    d.dims.push_back(i);
    d.D *= x.size(i);
  }
  d.rows = d.D == 0 ? 0 : x.numel() / d.D;
  return d;
}

// Sums g over the leading (batch) dims: the gradient of a parameter broadcast over rows.
Tensor sum_rows(const Tensor& t, int64_t n_norm) {
  Shape lead;
  for (int64_t i = 0; i < t.dim() - n_norm; ++i) lead.push_back(i);
  return lead.empty() ? t : sum(t, lead);
}

// Center = true: layer norm; false: RMS norm (no mean subtracted, no bias).
template <bool Center>
Tensor norm_op(const char* op, const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
               const Tensor& bias, double eps) {
  const NormDims nd = check_norm(op, x, normalized_shape, weight, bias);
  CAJAL_CHECK(eps >= 0, op, "expected eps >= 0, got {}", eps);
  Tensor xc = x.detach().contiguous();
  Tensor wc = weight.defined() ? weight.detach().contiguous() : Tensor();
  Tensor bc = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y = make_tensor(x.shape(), x.dtype());
  Tensor mean = Center ? make_tensor({nd.rows}, x.dtype()) : Tensor();
  Tensor rstd = make_tensor({nd.rows}, x.dtype());
  CAJAL_DISPATCH_FLOAT(x.dtype(), op, [&] {
    auto ptr = [](const Tensor& t) { return t.defined() ? static_cast<scalar_t*>(t.raw_data()) : nullptr; };
    k::norm_forward<scalar_t, Center>(ptr(y), ptr(mean), ptr(rstd), ptr(xc), ptr(wc), ptr(bc), nd.rows, nd.D, eps);
  });

  const bool need_x = x.requires_grad(), need_w = weight.defined() && weight.requires_grad(),
             need_b = bias.defined() && bias.requires_grad();
  Saved sx(x), sw(weight);  // the inputs themselves: the composed backward differentiates through them
  const int64_t n_norm = int64_t(normalized_shape.size());
  return record(std::move(y), op, {x, weight, bias},
                [=](const Tensor& g) {
                  return fused_or_composed(
                      [&] {
                        Tensor gc = g.contiguous(), xs = sx.get().detach().contiguous(),
                               ws = sw.defined() ? sw.get().detach().contiguous() : Tensor();
                        Tensor dx = need_x ? make_tensor(xs.shape(), xs.dtype()) : Tensor();
                        Tensor dw = need_w ? make_tensor(ws.shape(), xs.dtype()) : Tensor();
                        Tensor db = need_b ? make_tensor(ws.shape(), xs.dtype()) : Tensor();
                        CAJAL_DISPATCH_FLOAT(xs.dtype(), op, [&] {
                          auto ptr = [](const Tensor& t) {
                            return t.defined() ? static_cast<scalar_t*>(t.raw_data()) : nullptr;
                          };
                          k::norm_backward<scalar_t, Center>(ptr(dx), ptr(dw), ptr(db), ptr(gc), ptr(xs), ptr(mean),
                                                             ptr(rstd), ptr(ws), nd.rows, nd.D);
                        });
                        return Grads{dx, dw, db};
                      },
                      [&] {  // the same gradient in cajal ops, from x alone: differentiable again
                        Tensor xs = sx.get(), ws = sw.defined() ? sw.get() : Tensor();
                        Tensor centred = Center ? sub(xs, cajal::mean(xs, nd.dims, true)) : xs;
                        Tensor rs = rsqrt(add(cajal::mean(square(centred), nd.dims, true), eps));
                        Tensor xhat = mul(centred, rs);
                        Tensor h = ws.defined() ? mul(g, ws) : g;
                        Tensor inner = sub(h, mul(xhat, cajal::mean(mul(h, xhat), nd.dims, true)));
                        if (Center) inner = sub(inner, cajal::mean(h, nd.dims, true));
                        return Grads{need_x ? mul(rs, inner) : Tensor(), need_w ? sum_rows(mul(g, xhat), n_norm) : Tensor(),
                                     need_b ? sum_rows(g, n_norm) : Tensor()};
                      });
                });
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias, double eps) {
  return norm_op<true>("layer_norm", x, normalized_shape, weight, bias, eps);
}

Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, std::optional<double> eps) {
  CAJAL_CHECK(x.defined(), "rms_norm", "expected a defined input tensor");
  // torch's default: the machine epsilon of the input's dtype
  const double e = eps ? *eps
                       : (x.dtype() == DType::f64 ? std::numeric_limits<double>::epsilon()
                                                  : double(std::numeric_limits<float>::epsilon()));
  return norm_op<false>("rms_norm", x, normalized_shape, weight, Tensor(), e);
}

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, Tensor* batch_mean,
                  Tensor* batch_var) {
  const char* op = "batch_norm";
  CAJAL_CHECK(x.defined(), op, "expected a defined input tensor");
  CAJAL_CHECK_TYPE(x.is_floating_point(), op, "expected a floating input, got {}", dtype_name(x.dtype()));
  CAJAL_CHECK(x.dim() >= 2, op, "expected an input of at least 2 dims (N, C, ...), got shape {}", shape_str(x.shape()));
  CAJAL_CHECK(eps >= 0, op, "expected eps >= 0, got {}", eps);
  const int64_t N = x.size(0), C = x.size(1), S = C == 0 || N == 0 ? 0 : x.numel() / (N * C);
  for (const auto& [t, name] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}}) {
    if (!t->defined()) continue;
    CAJAL_CHECK(t->dim() == 1 && t->size(0) == C, op, "expected a {} of shape [{}] (one per channel of input {}), got {}",
                name, C, shape_str(x.shape()), shape_str(t->shape()));
    CAJAL_CHECK_TYPE(t->dtype() == x.dtype(), op, "expected a {} of the input's dtype {}, got {}", name,
                     dtype_name(x.dtype()), dtype_name(t->dtype()));
  }
  CAJAL_CHECK(N * S > 1, op, "expected more than 1 value per channel when training, got input shape {}",
              shape_str(x.shape()));
  Tensor xc = x.detach().contiguous();
  Tensor wc = weight.defined() ? weight.detach().contiguous() : Tensor();
  Tensor bc = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y = make_tensor(x.shape(), x.dtype());
  Tensor mean = make_tensor({C}, x.dtype()), var = make_tensor({C}, x.dtype()), rstd = make_tensor({C}, x.dtype());
  CAJAL_DISPATCH_FLOAT(x.dtype(), op, [&] {
    auto ptr = [](const Tensor& t) { return t.defined() ? static_cast<scalar_t*>(t.raw_data()) : nullptr; };
    k::batch_norm_forward<scalar_t>(ptr(y), ptr(mean), ptr(var), ptr(rstd), ptr(xc), ptr(wc), ptr(bc), N, C, S, eps);
  });
  if (batch_mean) *batch_mean = mean;
  if (batch_var) *batch_var = var;

  const bool need_x = x.requires_grad(), need_w = weight.defined() && weight.requires_grad(),
             need_b = bias.defined() && bias.requires_grad();
  Saved sx(x), sw(weight);  // the inputs themselves: the composed backward differentiates through them
  return record(std::move(y), op, {x, weight, bias}, [=](const Tensor& g) {
    return fused_or_composed(
        [&] {
          Tensor gc = g.contiguous(), xs = sx.get().detach().contiguous(),
                 ws = sw.defined() ? sw.get().detach().contiguous() : Tensor();
          Tensor dx = need_x ? make_tensor(xs.shape(), xs.dtype()) : Tensor();
          Tensor dw = need_w ? make_tensor({C}, xs.dtype()) : Tensor();
          Tensor db = need_b ? make_tensor({C}, xs.dtype()) : Tensor();
          CAJAL_DISPATCH_FLOAT(xs.dtype(), op, [&] {
            auto ptr = [](const Tensor& t) { return t.defined() ? static_cast<scalar_t*>(t.raw_data()) : nullptr; };
            k::batch_norm_backward<scalar_t>(ptr(dx), ptr(dw), ptr(db), ptr(gc), ptr(xs), ptr(mean), ptr(rstd), ptr(ws),
                                             N, C, S);
          });
          return Grads{dx, dw, db};
        },
        [&] {  // the same gradient in cajal ops, from x alone: differentiable again
          Tensor xs = sx.get();
          Shape dims{0}, channel_shape(size_t(xs.dim()), 1);
          for (int64_t d = 2; d < xs.dim(); ++d) dims.push_back(d);
          channel_shape[1] = C;
          Tensor centred = sub(xs, cajal::mean(xs, dims, true));
          Tensor rs = rsqrt(add(cajal::mean(square(centred), dims, true), eps));
          Tensor xhat = mul(centred, rs);
          Tensor h = sw.defined() ? mul(g, reshape(sw.get(), channel_shape)) : g;
          Tensor inner = sub(sub(h, cajal::mean(h, dims, true)), mul(xhat, cajal::mean(mul(h, xhat), dims, true)));
          return Grads{need_x ? mul(rs, inner) : Tensor(), need_w ? sum(mul(g, xhat), dims) : Tensor(),
                       need_b ? sum(g, dims) : Tensor()};
        });
  });
}

}  // namespace cajal
