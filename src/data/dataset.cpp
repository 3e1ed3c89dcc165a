// Dataset batching: the generic get()-per-example collation and TensorDataset's row gather.
// Both copy bytes with memcpy into a freshly allocated [B, ...] tensor; no autograd is recorded.
#include "cajal/data/dataset.h"

#include <cstring>

#include "cajal/autograd/grad_mode.h"
#include "cajal/ops/ops.h"

namespace cajal::data {

namespace {

Shape with_batch_dim(int64_t batch, const Shape& example_shape) {
  Shape s{batch};
  s.insert(s.end(), example_shape.begin(), example_shape.end());
  return s;
}

std::string describe(const Tensor& t) { return fmt::format("{} ({})", shape_str(t.shape()), dtype_name(t.dtype())); }

// Copies one example tensor into row `row` of `batch`, after checking it matches the first example.
void copy_into_row(Tensor& batch, int64_t row, const Tensor& example, const Tensor& first, const char* field,
                   int64_t index, int64_t first_index) {
  CAJAL_CHECK(example.defined() == first.defined(), "get_batch",
              "example {} has {} {} but example {} has {}", index, example.defined() ? "a" : "no", field,
              first_index, first.defined() ? "one" : "none");
  if (!example.defined()) return;
  CAJAL_CHECK(example.shape() == first.shape() && example.dtype() == first.dtype(), "get_batch",
              "example {} has {} {} but example {} has {}; examples of a batch must match", index, field,
              describe(example), first_index, describe(first));
  Tensor c = example.contiguous();
  size_t row_bytes = size_t(c.numel()) * c.element_size();
  std::memcpy(static_cast<char*>(batch.raw_data()) + size_t(row) * row_bytes, c.raw_data(), row_bytes);
}

}  // namespace

Batch Dataset::get_batch(std::span<const int64_t> indices) const {
  CAJAL_CHECK(!indices.empty(), "get_batch", "expected at least one index, got none");
  NoGradGuard no_grad;
  const int64_t B = int64_t(indices.size());
  Example first = get(indices[0]);
  CAJAL_CHECK(first.input.defined(), "get_batch", "example {} has an undefined input", indices[0]);
  Batch batch;
  batch.input = make_tensor(with_batch_dim(B, first.input.shape()), first.input.dtype());
  if (first.target.defined()) batch.target = make_tensor(with_batch_dim(B, first.target.shape()), first.target.dtype());
  for (int64_t j = 0; j < B; ++j) {
    Example e = j == 0 ? first : get(indices[j]);
    copy_into_row(batch.input, j, e.input, first.input, "input", indices[j], indices[0]);
    copy_into_row(batch.target, j, e.target, first.target, "target", indices[j], indices[0]);
  }
  return batch;
}

Tensor gather_rows(const Tensor& src, std::span<const int64_t> indices, const char* op) {
  CAJAL_CHECK(src.defined() && src.dim() >= 1, op, "expected a tensor with at least 1 dimension, got {}",
              src.defined() ? shape_str(src.shape()) : "undefined");
  NoGradGuard no_grad;
  Tensor s = src.contiguous();
  const int64_t n = s.size(0);
  Shape shape = s.shape();
  shape[0] = int64_t(indices.size());
  Tensor out = make_tensor(shape, s.dtype());
  const size_t row_bytes = n == 0 ? 0 : size_t(s.numel() / n) * s.element_size();
  const char* from = static_cast<const char*>(s.raw_data());
  char* to = static_cast<char*>(out.raw_data());
  // Runs of consecutive indices (an unshuffled batch is one run) become one memcpy.
  for (size_t j = 0; j < indices.size();) {
    int64_t start = indices[j];
    CAJAL_CHECK_INDEX(start >= 0 && start < n, op, "index {} is out of range for {} rows", start, n);
    size_t run = 1;
    while (j + run < indices.size() && indices[j + run] == start + int64_t(run) && start + int64_t(run) < n) ++run;
    std::memcpy(to + j * row_bytes, from + size_t(start) * row_bytes, run * row_bytes);
    j += run;
  }
  return out;
}

TensorDataset::TensorDataset(const Tensor& inputs, const Tensor& targets) {
  CAJAL_CHECK(inputs.defined() && inputs.dim() >= 1, "TensorDataset",
              "expected inputs with a first (example) dimension, got {}",
              inputs.defined() ? shape_str(inputs.shape()) : "undefined");
  if (targets.defined())
    CAJAL_CHECK(targets.dim() >= 1 && targets.size(0) == inputs.size(0), "TensorDataset",
                "inputs hold {} examples but targets hold {} (inputs shape {}, targets shape {})", inputs.size(0),
                targets.dim() >= 1 ? targets.size(0) : 0, shape_str(inputs.shape()), shape_str(targets.shape()));
  NoGradGuard no_grad;
  inputs_ = inputs.detach().contiguous();
  if (targets.defined()) targets_ = targets.detach().contiguous();
}

Example TensorDataset::get(int64_t index) const {
  CAJAL_CHECK_INDEX(index >= 0 && index < size(), "TensorDataset", "index {} is out of range for {} examples",
                    index, size());
  return {inputs_.select(0, index), targets_.defined() ? targets_.select(0, index) : Tensor()};
}

Batch TensorDataset::get_batch(std::span<const int64_t> indices) const {
  return {gather_rows(inputs_, indices, "TensorDataset"),
          targets_.defined() ? gather_rows(targets_, indices, "TensorDataset") : Tensor()};
}

}  // namespace cajal::data
