// Positional encodings as modules, each adding (or applying) position information along dim -2 of
// its input (..., L, d):
// - SinusoidalPositionalEncoding: the fixed table PE[pos, 2i] = sin(pos / base^(2i / d)),
//   PE[pos, 2i + 1] = cos(pos / base^(2i / d)) (base 10000 in "Attention is all you need", the
//   notes' example uses 100), a buffer `pe` (max_len, d), added to the input.
// - LearnedPositionalEmbedding: a parameter `weight` (max_len, d), N(0, 1) like nn.Embedding, added.
// - RotaryPositionalEmbedding (RoPE): rotates each pair (x[2i], x[2i+1]) of a query or key by the
//   angle pos * base^(-2i / d), so the dot product of a rotated query and key depends on their
//   positions only through their difference. No parameters.
// An input longer than max_len is a cajal::Error naming both lengths.
#pragma once
#include "cajal/core/generator.h"
#include "cajal/nn/module.h"

namespace cajal::nn {

// The (max_len, d) sinusoidal table; d must be even.
Tensor sinusoidal_table(int64_t max_len, int64_t d, double base = 10000.0, DType dtype = DType::f32);

class SinusoidalPositionalEncoding : public UnaryModule {
 public:
  SinusoidalPositionalEncoding(int64_t d_model, int64_t max_len = 5000, double base = 10000.0, DType dtype = DType::f32);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Tensor pe;

 private:
  int64_t d_model_, max_len_;
  double base_;
};

class LearnedPositionalEmbedding : public UnaryModule {
 public:
  LearnedPositionalEmbedding(int64_t max_len, int64_t d_model, DType dtype = DType::f32, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Tensor weight;

 private:
  int64_t max_len_, d_model_;
};

class RotaryPositionalEmbedding : public UnaryModule {
 public:
  // `offset` shifts every position (a query at position offset + i; for a KV cache).
  RotaryPositionalEmbedding(int64_t head_dim, double base = 10000.0, int64_t max_len = 8192);
  Tensor forward(const Tensor& x) override { return rotate(x, 0); }
  Tensor rotate(const Tensor& x, int64_t offset) const;
  std::string extra_repr() const override;

 private:
  int64_t head_dim_, max_len_;
  double base_;
};

}  // namespace cajal::nn
