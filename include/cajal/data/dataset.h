// Dataset: indexed (input, target) examples, and TensorDataset, the in-memory one.
// Convention: an example has no batch dimension; a batch stacks examples along a new dim 0
// ([B, ...example shape]). A target may be undefined (unsupervised data) — then it is undefined
// in every example and every batch.
// NB: the DataLoader calls get()/get_batch() from its background thread, so they must be safe to
// call concurrently with the consumer's use of the dataset (const, no shared mutable state).
#pragma once
#include <cstdint>
#include <span>

#include "cajal/core/tensor.h"

namespace cajal::data {

struct Example {
  Tensor input;
  Tensor target;  // undefined when the dataset has no targets
};

struct Batch {
  Tensor input;   // [B, ...input shape], contiguous
  Tensor target;  // [B, ...target shape], contiguous; undefined when the dataset has no targets
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // Example `index` in [0, size()); IndexError outside.
  virtual Example get(int64_t index) const = 0;
  // Stacks the examples at `indices` into fresh contiguous tensors [B, ...]. The default calls
  // get() once per example and copies each into its row (every example must have the same shape
  // and dtype); datasets with a faster gather override it.
  virtual Batch get_batch(std::span<const int64_t> indices) const;
};

// Examples are the rows (dim 0) of `inputs` and `targets`, kept in memory.
// get(i) returns views (inputs[i], targets[i]); get_batch gathers rows with memcpy straight into
// the batch tensors, merging runs of consecutive indices into one copy.
// The tensors are detached and made contiguous once, at construction.
class TensorDataset : public Dataset {
 public:
  explicit TensorDataset(const Tensor& inputs, const Tensor& targets = Tensor());
  int64_t size() const override { return inputs_.size(0); }
  Example get(int64_t index) const override;
  Batch get_batch(std::span<const int64_t> indices) const override;
  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor inputs_, targets_;
};

// Rows `indices` of `src` (dim 0) as a new contiguous tensor [indices.size(), ...]:
// index_select(src, 0, indices) by memcpy, without autograd. `op` names the caller in errors.
Tensor gather_rows(const Tensor& src, std::span<const int64_t> indices, const char* op = "gather_rows");

}  // namespace cajal::data
