// Positional encodings: the sinusoidal table, a learned table, and rotary embeddings, in cajal ops.
#include "cajal/nn/transformer_positional.h"

#include <cmath>

#include <fmt/format.h>

#include "cajal/ops/ops.h"

namespace cajal::nn {

namespace {

void check_length(const char* layer, const Tensor& x, int64_t d, int64_t max_len) {
  CAJAL_CHECK(x.defined() && x.dim() >= 2 && x.size(-1) == d, layer, "expected an input (..., L, {}), got {}", d,
              x.defined() ? shape_str(x.shape()) : "undefined");
  CAJAL_CHECK(x.size(-2) <= max_len, layer, "expected a sequence of at most max_len = {} positions, got {}", max_len,
              x.size(-2));
}

// angle[pos, i] = pos * base^(-2i / d) for pos in [offset, offset + L), i in [0, d / 2).
Tensor angles(int64_t offset, int64_t L, int64_t d, double base, DType dtype) {
  Tensor pos = arange(double(offset), double(offset + L), 1.0, DType::f64);
  Tensor inv = pow(base, mul(arange(0, double(d), 2, DType::f64), -1.0 / double(d)));
  return outer(pos, inv).to(dtype);
}

}  // namespace

Tensor sinusoidal_table(int64_t max_len, int64_t d, double base, DType dtype) {
  CAJAL_CHECK(d >= 2 && d % 2 == 0 && max_len >= 1, "sinusoidal_table",
              "expected an even d_model >= 2 and max_len >= 1, got d_model {} and max_len {}", d, max_len);
  Tensor a = angles(0, max_len, d, base, DType::f64);
  return stack({sin(a), cos(a)}, 2).reshape({max_len, d}).to(dtype);  // interleaved: sin, cos, sin, cos, ...
}

SinusoidalPositionalEncoding::SinusoidalPositionalEncoding(int64_t d_model, int64_t max_len, double base, DType dtype)
    : UnaryModule("SinusoidalPositionalEncoding"), d_model_(d_model), max_len_(max_len), base_(base) {
  pe = register_buffer("pe", sinusoidal_table(max_len, d_model, base, dtype));
}

Tensor SinusoidalPositionalEncoding::forward(const Tensor& x) {
  check_length("SinusoidalPositionalEncoding", x, d_model_, max_len_);
  return add(x, pe.slice(0, 0, x.size(-2)));
}

std::string SinusoidalPositionalEncoding::extra_repr() const {
  return fmt::format("d_model={}, max_len={}, base={}", d_model_, max_len_, base_);
}

LearnedPositionalEmbedding::LearnedPositionalEmbedding(int64_t max_len, int64_t d_model, DType dtype, Generator* gen)
    : UnaryModule("LearnedPositionalEmbedding"), max_len_(max_len), d_model_(d_model) {
  CAJAL_CHECK(max_len >= 1 && d_model >= 1, "LearnedPositionalEmbedding",
              "expected max_len >= 1 and d_model >= 1, got {} and {}", max_len, d_model);
  weight = register_parameter("weight", normal({max_len, d_model}, 0.0, 1.0, dtype, gen));
}

Tensor LearnedPositionalEmbedding::forward(const Tensor& x) {
  check_length("LearnedPositionalEmbedding", x, d_model_, max_len_);
  return add(x, weight.slice(0, 0, x.size(-2)));
}

std::string LearnedPositionalEmbedding::extra_repr() const { return fmt::format("{}, {}", max_len_, d_model_); }

RotaryPositionalEmbedding::RotaryPositionalEmbedding(int64_t head_dim, double base, int64_t max_len)
    : UnaryModule("RotaryPositionalEmbedding"), head_dim_(head_dim), max_len_(max_len), base_(base) {
  CAJAL_CHECK(head_dim >= 2 && head_dim % 2 == 0, "RotaryPositionalEmbedding", "expected an even head_dim >= 2, got {}",
              head_dim);
}

Tensor RotaryPositionalEmbedding::rotate(const Tensor& x, int64_t offset) const {
  check_length("RotaryPositionalEmbedding", x, head_dim_, max_len_ - offset);
  const int64_t L = x.size(-2), half = head_dim_ / 2;
  Tensor a = angles(offset, L, head_dim_, base_, x.dtype());  // (L, d / 2)
  Tensor c = cos(a), s = sin(a);
  Shape pairs = x.shape();
  pairs.back() = half;
  pairs.push_back(2);
  Tensor xp = x.reshape(pairs);  // (..., L, d / 2, 2)
  Tensor x0 = xp.select(-1, 0), x1 = xp.select(-1, 1);
  Tensor r0 = sub(mul(x0, c), mul(x1, s)), r1 = add(mul(x0, s), mul(x1, c));
  return stack({r0, r1}, -1).reshape(x.shape());
}

std::string RotaryPositionalEmbedding::extra_repr() const {
  return fmt::format("head_dim={}, base={}, max_len={}", head_dim_, base_, max_len_);
}

}  // namespace cajal::nn
