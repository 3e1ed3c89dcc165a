// nn::Embedding and nn::EmbeddingBag: PyTorch's lookup tables. Both are UnaryModules taking int64
// indices, so they go into a Sequential in front of the layers that read their vectors.
// Convention: weight (num_embeddings, embedding_dim) ~ N(0, 1) with the padding row zeroed, as
// torch; max_norm renormalises the looked-up rows in place (untracked) before each lookup, as torch.
#pragma once
#include <optional>

#include "cajal/core/generator.h"
#include "cajal/nn/module.h"
#include "cajal/nn/options.h"

namespace cajal::nn {

struct EmbeddingOptions {
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  CAJAL_ARG(int64_t, num_embeddings);
  CAJAL_ARG(int64_t, embedding_dim);
  CAJAL_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;  // negative wraps, as torch
  CAJAL_ARG(std::optional<double>, max_norm) = std::nullopt;
  CAJAL_ARG(double, norm_type) = 2.0;
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;
};

class Embedding : public UnaryModule {
 public:
  explicit Embedding(const EmbeddingOptions& options);
  Embedding(int64_t num_embeddings, int64_t embedding_dim) : Embedding(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  // A table holding a copy of `embeddings` (num, dim); freeze: the weight does not require grad.
  static std::shared_ptr<Embedding> from_pretrained(const Tensor& embeddings, bool freeze = true,
                                                    std::optional<int64_t> padding_idx = std::nullopt,
                                                    std::optional<double> max_norm = std::nullopt,
                                                    double norm_type = 2.0);

  Tensor forward(const Tensor& indices) override;  // int64 (...) -> (..., embedding_dim)
  std::string extra_repr() const override;
  void reset_parameters(Generator* gen = nullptr);
  const EmbeddingOptions& options() const { return options_; }

  Tensor weight;  // (num_embeddings, embedding_dim)

 private:
  EmbeddingOptions options_;
};

enum class BagMode { Sum, Mean };

struct EmbeddingBagOptions {
  EmbeddingBagOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  CAJAL_ARG(int64_t, num_embeddings);
  CAJAL_ARG(int64_t, embedding_dim);
  CAJAL_ARG(BagMode, mode) = BagMode::Mean;  // torch's default
  CAJAL_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  CAJAL_ARG(std::optional<double>, max_norm) = std::nullopt;
  CAJAL_ARG(double, norm_type) = 2.0;
  CAJAL_ARG(DType, dtype) = DType::f32;
  CAJAL_ARG(Generator*, generator) = nullptr;
};

// Bags of equal length: indices (B, L) -> (B, embedding_dim), the sum or the mean of each row's
// vectors. Padding entries are left out of the bag (the mean divides by the other entries; an
// all-padding bag gives zeros), as torch.
class EmbeddingBag : public UnaryModule {
 public:
  explicit EmbeddingBag(const EmbeddingBagOptions& options);
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;
  const EmbeddingBagOptions& options() const { return options_; }

  Tensor weight;  // (num_embeddings, embedding_dim)

 private:
  EmbeddingBagOptions options_;
};

// Scales, in place and untracked, each row of `weight` indexed by `indices` whose norm_type-norm
// exceeds max_norm down to max_norm (torch's embedding_renorm_, with its 1e-7 guard).
void embedding_renorm_(Tensor& weight, const Tensor& indices, double max_norm, double norm_type);

}  // namespace cajal::nn
