// scaled_dot_product_attention: the fused op (kernels/cpu/attention.h: scores, mask, softmax and
// the weighted sum per block of query rows; the backward recomputes the probabilities from the
// saved per-row log-sum-exp) and, beside it, the same attention composed of cajal ops, which the
// tests compare with, the composed backward is written from, and dropout runs through.
#include <cmath>
#include <limits>

#include "cajal/autograd/fused.h"
#include "cajal/ops/ops.h"
#include "kernels/cpu/attention.h"

namespace cajal {

using autograd::fused_or_composed;
using autograd::record;
using autograd::Saved;
namespace k = kernels::cpu;

namespace {

constexpr const char* kOp = "scaled_dot_product_attention";

struct AttentionDims {
  Shape batch, scores;  // batch dims of q; (batch..., L, S)
  int64_t B = 1, L = 0, S = 0, E = 0, Ev = 0;
  double scale = 1;
};

AttentionDims check_attention(const Tensor& q, const Tensor& key, const Tensor& v, const Tensor& mask,
                              double dropout_p, bool is_causal, std::optional<double> scale) {
  for (const auto& [t, name] : {std::pair{&q, "query"}, std::pair{&key, "key"}, std::pair{&v, "value"}}) {
    CAJAL_CHECK(t->defined(), kOp, "expected a defined {} tensor", name);
    CAJAL_CHECK_TYPE(t->is_floating_point(), kOp, "expected a floating {}, got {}", name, dtype_name(t->dtype()));
    CAJAL_CHECK_TYPE(t->dtype() == q.dtype(), kOp, "expected {} of the query's dtype {}, got {}", name,
                     dtype_name(q.dtype()), dtype_name(t->dtype()));
    CAJAL_CHECK(t->dim() >= 2 && t->dim() == q.dim(), kOp,
                "expected query, key and value of the same rank >= 2 (..., L or S, E), got {} of shape {} (query {})",
                name, shape_str(t->shape()), shape_str(q.shape()));
  }
  const int64_t nd = q.dim();
  AttentionDims d;
  d.batch = Shape(q.shape().begin(), q.shape().end() - 2);
  CAJAL_CHECK(Shape(key.shape().begin(), key.shape().end() - 2) == d.batch &&
                  Shape(v.shape().begin(), v.shape().end() - 2) == d.batch,
              kOp, "expected the same batch dims for query, key and value, got query {}, key {}, value {}",
              shape_str(q.shape()), shape_str(key.shape()), shape_str(v.shape()));
  d.L = q.size(nd - 2), d.E = q.size(nd - 1), d.S = key.size(nd - 2), d.Ev = v.size(nd - 1);
  CAJAL_CHECK(key.size(nd - 1) == d.E, kOp, "expected a key with the query's embedding size {}, got key shape {}", d.E,
              shape_str(key.shape()));
  CAJAL_CHECK(v.size(nd - 2) == d.S, kOp, "expected a value with as many positions as the key ({}), got value shape {}",
              d.S, shape_str(v.shape()));
  for (int64_t s : d.batch) d.B *= s;
  d.scores = d.batch;
  d.scores.push_back(d.L);
  d.scores.push_back(d.S);
  if (mask.defined()) {
    CAJAL_CHECK(!is_causal, kOp, "expected either attn_mask or is_causal, got both");
    CAJAL_CHECK_TYPE(mask.dtype() == DType::b8 || mask.dtype() == q.dtype(), kOp,
                     "expected a bool or {} attn_mask, got {}", dtype_name(q.dtype()), dtype_name(mask.dtype()));
    bool ok = mask.dim() <= int64_t(d.scores.size());
    for (int64_t i = 1; ok && i <= mask.dim(); ++i) {
      const int64_t m = mask.size(mask.dim() - i), want = d.scores[d.scores.size() - size_t(i)];
      ok = m == want || m == 1;
    }
    CAJAL_CHECK(ok, kOp, "expected an attn_mask broadcastable to (..., L, S) = {}, got shape {}", shape_str(d.scores),
                shape_str(mask.shape()));
  }
  CAJAL_CHECK(dropout_p >= 0 && dropout_p < 1, kOp, "expected dropout_p in [0, 1), got {}", dropout_p);
  d.scale = scale ? *scale : 1.0 / std::sqrt(double(d.E));
  return d;
}

// softmax(scale q k^T + mask) in cajal ops (the causal cut as a materialised bool mask).
Tensor attention_probs_composed(const Tensor& q, const Tensor& key, const Tensor& mask, bool is_causal, double scale) {
  Tensor s = mul(matmul(q, transpose(key, -2, -1)), scale);
  if (is_causal) {
    const int64_t L = q.size(-2), S = key.size(-2);
    Tensor keep = ge(arange(L).unsqueeze(1), arange(S).unsqueeze(0));  // j <= i
    s = masked_fill(s, logical_not(keep), -std::numeric_limits<double>::infinity());
  } else if (mask.defined()) {
    s = mask.dtype() == DType::b8 ? masked_fill(s, logical_not(mask), -std::numeric_limits<double>::infinity())
                                  : add(s, mask);
  }
  return softmax(s, -1);
}

// The mask as the kernel reads it: a view broadcast to the scores' shape, and each batch's offset.
struct KernelMask {
  Tensor view;
  std::vector<int64_t> batch_offset;
  k::AttentionMask m;
};

KernelMask kernel_mask(const Tensor& mask, const AttentionDims& d) {
  KernelMask km;
  km.batch_offset.assign(size_t(std::max<int64_t>(d.B, 1)), 0);
  if (!mask.defined()) return km;
  km.view = mask.detach().expand(d.scores);
  const Shape& st = km.view.strides();
  const size_t nb = d.batch.size();
  for (int64_t b = 0; b < d.B; ++b) {  // the multi-index of flat batch b, row-major
    int64_t rem = b, off = 0;
    for (size_t i = nb; i-- > 0;) {
      off += (rem % d.batch[i]) * st[i];
      rem /= d.batch[i];
    }
    km.batch_offset[size_t(b)] = off;
  }
  km.m.kind = mask.dtype() == DType::b8 ? k::AttentionMask::Bool : k::AttentionMask::Additive;
  km.m.data = km.view.raw_data();
  km.m.batch_offset = km.batch_offset.data();
  km.m.row_stride = st[nb];
  km.m.col_stride = st[nb + 1];
  return km;
}

}  // namespace

Tensor scaled_dot_product_attention_composed(const Tensor& q, const Tensor& key, const Tensor& v,
                                             const Tensor& attn_mask, double dropout_p, bool is_causal,
                                             std::optional<double> scale, Generator* gen) {
  const AttentionDims d = check_attention(q, key, v, attn_mask, dropout_p, is_causal, scale);
  Tensor p = attention_probs_composed(q, key, attn_mask, is_causal, d.scale);
  if (dropout_p > 0) p = div(mul(p, bernoulli(d.scores, 1 - dropout_p, p.dtype(), gen)), 1 - dropout_p);
  return matmul(p, v);
}

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& key, const Tensor& v, const Tensor& attn_mask,
                                    double dropout_p, bool is_causal, std::optional<double> scale, Generator* gen) {
  if (dropout_p > 0)  // the dropped weights would have to be kept for the backward: the composed form
    return scaled_dot_product_attention_composed(q, key, v, attn_mask, dropout_p, is_causal, scale, gen);
  const AttentionDims d = check_attention(q, key, v, attn_mask, dropout_p, is_causal, scale);
  Tensor qc = q.detach().contiguous(), kc = key.detach().contiguous(), vc = v.detach().contiguous();
  Shape out_shape = d.batch;
  out_shape.push_back(d.L);
  out_shape.push_back(d.Ev);
  Shape lse_shape = d.batch;
  lse_shape.push_back(d.L);
  Tensor out = make_tensor(out_shape, q.dtype()), lse = make_tensor(lse_shape, q.dtype());
  KernelMask km = kernel_mask(attn_mask, d);
  const k::AttentionShape ks{d.B, d.L, d.S, d.E, d.Ev, d.scale, is_causal};
  CAJAL_DISPATCH_FLOAT(q.dtype(), kOp, [&] {
    k::attention_forward<scalar_t>(static_cast<scalar_t*>(out.raw_data()), static_cast<scalar_t*>(lse.raw_data()),
                                   static_cast<const scalar_t*>(qc.raw_data()),
                                   static_cast<const scalar_t*>(kc.raw_data()),
                                   static_cast<const scalar_t*>(vc.raw_data()), ks, km.m);
  });
  if (!autograd::any_requires_grad({q, key, v})) return out;

  const bool need_q = q.requires_grad(), need_k = key.requires_grad(), need_v = v.requires_grad();
  Saved sq(q), sk(key), sv(v), so(out, /*is_output=*/true);
  Tensor mask = attn_mask.defined() ? attn_mask.detach() : Tensor();  // a constant: no gradient flows into it
  return record(out, kOp, {q, key, v}, [=](const Tensor& g) {
    return fused_or_composed(
        [&] {
          Tensor qq = sq.get().detach().contiguous(), kk = sk.get().detach().contiguous(),
                 vv = sv.get().detach().contiguous(), oo = so.get().detach().contiguous();
          Tensor gc = (g.dtype() == oo.dtype() ? g : g.to(oo.dtype())).contiguous();
          Tensor dq = need_q ? make_tensor(qq.shape(), qq.dtype()) : Tensor();
          Tensor dk = need_k ? make_tensor(kk.shape(), kk.dtype()) : Tensor();
          Tensor dv = need_v ? make_tensor(vv.shape(), vv.dtype()) : Tensor();
          KernelMask bm = kernel_mask(mask, d);
          CAJAL_DISPATCH_FLOAT(qq.dtype(), kOp, [&] {
            auto ptr = [](const Tensor& t) { return t.defined() ? static_cast<scalar_t*>(t.raw_data()) : nullptr; };
            k::attention_backward<scalar_t>(ptr(dq), ptr(dk), ptr(dv), ptr(gc), ptr(qq), ptr(kk), ptr(vv), ptr(oo),
                                            ptr(lse), ks, bm.m);
          });
          return Grads{dq, dk, dv};
        },
        [&] {  // in cajal ops, the probabilities recomputed from q and k: differentiable again
          Tensor qq = sq.get(), kk = sk.get(), vv = sv.get();
          Tensor p = attention_probs_composed(qq, kk, mask, is_causal, d.scale);
          Tensor dp = matmul(g, transpose(vv, -2, -1));
          Tensor ds = mul(mul(p, sub(dp, sum(mul(dp, p), {-1}, true))), d.scale);
          return Grads{need_q ? matmul(ds, kk) : Tensor(), need_k ? matmul(transpose(ds, -2, -1), qq) : Tensor(),
                       need_v ? matmul(transpose(p, -2, -1), g) : Tensor()};
        });
  });
}

}  // namespace cajal
