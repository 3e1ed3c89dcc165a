// embedding: rows of a (num_embeddings, embedding_dim) table picked by int64 indices, PyTorch's
// F.embedding. Its backward scatter-adds the upstream rows into a zero table (repeated indices
// accumulate) and leaves the padding row without gradient, so a padding token never trains.
// max_norm renormalisation is an in-place, untracked edit of the table done by nn::Embedding
// before the lookup (as in PyTorch), not part of this op.
#include "cajal/ops/ops.h"
#include "kernels/cpu/index.h"

namespace cajal {

using autograd::record;
using autograd::Saved;
namespace k = kernels::cpu;

namespace {

// The padding row as a row number in [0, num), or -1 for none; torch's negative padding_idx wraps.
int64_t resolve_padding(std::optional<int64_t> padding_idx, int64_t num) {
  if (!padding_idx) return -1;
  const int64_t p = *padding_idx;
  CAJAL_CHECK(p >= -num && p < num, "embedding", "padding_idx must be within num_embeddings = {}, got {}", num, p);
  return p < 0 ? p + num : p;
}

// 1 on every row but the padding row: multiplying a (num, D) table by it zeroes that row
// differentiably.
Tensor keep_rows(int64_t num, int64_t pad, DType dtype) {
  std::vector<double> v(size_t(num), 1.0);
  if (pad >= 0) v[size_t(pad)] = 0.0;
  return from_vector(v, {num, 1}, dtype);
}

// The gradient of the table: g (m, D) rows added at idx into zeros (num, D), padding row zeroed.
// Its own backward is the lookup of the incoming rows (with the padding row zeroed first, since
// this output's padding row is the constant 0).
Tensor embedding_backward(const Tensor& g, int64_t num, const Tensor& idx, int64_t pad) {
  const int64_t d = g.shape()[1];
  Tensor out = zeros({num, d}, g.dtype());
  Tensor src = g.detach().contiguous();
  k::index_add_rows(out, src, idx.data_ptr<int64_t>(), 1, num, idx.numel(), d);
  if (pad >= 0) out = mul(out, keep_rows(num, pad, g.dtype()));
  return record(std::move(out), "embedding_backward", {g}, [idx, num, pad](const Tensor& gg) {
    Tensor rows = pad >= 0 ? mul(gg, keep_rows(num, pad, gg.dtype())) : gg;
    return Grads{index_select(rows, 0, idx)};
  });
}

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx) {
  CAJAL_CHECK(weight.defined() && indices.defined(), "embedding", "expected defined weight and indices tensors");
  CAJAL_CHECK_TYPE(indices.dtype() == DType::i64, "embedding", "expected int64 indices, got {}",
                   dtype_name(indices.dtype()));
  CAJAL_CHECK_TYPE(is_floating(weight.dtype()), "embedding", "expected a floating weight, got {}",
                   dtype_name(weight.dtype()));
  CAJAL_CHECK(weight.dim() == 2, "embedding", "expected a 2-D weight (num_embeddings, embedding_dim), got shape {}",
              shape_str(weight.shape()));
  const int64_t num = weight.shape()[0], dim = weight.shape()[1];
  const int64_t pad = resolve_padding(padding_idx, num);
  Tensor idx = indices.detach().contiguous();
  const int64_t* p = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i)
    CAJAL_CHECK_INDEX(p[i] >= 0 && p[i] < num, "embedding",
                      "index {} at position {} is out of range for num_embeddings = {}", p[i], i, num);
  Shape shape = indices.shape();
  shape.push_back(dim);
  Tensor out = make_tensor(shape, weight.dtype());
  Tensor w = weight.detach().contiguous();
  k::index_select_rows(out, w, p, 1, num, idx.numel(), dim);
  Tensor flat = reshape(idx, {idx.numel()});
  return record(std::move(out), "embedding", {weight}, [flat, num, dim, pad](const Tensor& g) {
    return Grads{embedding_backward(reshape(g, {flat.numel(), dim}), num, flat, pad)};
  });
}

}  // namespace cajal
