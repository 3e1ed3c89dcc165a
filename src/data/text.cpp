// Text loading, CharVocab and CharSequenceDataset (see cajal/data/text.h).
#include "cajal/data/text.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

#include "cajal/autograd/grad_mode.h"
#include "cajal/ops/ops.h"
#include "data/byte_reader.h"

namespace cajal::data {

std::string load_text(const std::string& path) { return detail::open_file(path, "load_text")->read_all(); }

std::string shared_dir() {
  if (const char* env = std::getenv("CAJAL_SHARED_DIR"); env && *env) return env;
#ifdef CAJAL_SHARED_DIR
  return CAJAL_SHARED_DIR;
#else
  CAJAL_FAIL(IO, "shared_dir", "CAJAL_SHARED_DIR is not set (and cajal was built without a default)");
#endif
}

std::string tinyshakespeare_path() { return shared_dir() + "/data/tinyshakespeare/input.txt"; }

CharVocab::CharVocab(std::string_view text) {
  std::array<bool, 256> seen{};
  for (char c : text) seen[uint8_t(c)] = true;
  index_.fill(-1);
  for (int b = 0; b < 256; ++b)
    if (seen[size_t(b)]) {
      index_[size_t(b)] = int64_t(chars_.size());
      chars_ += char(b);
    }
}

namespace {
std::string describe_char(char c) {
  return std::isprint(uint8_t(c)) ? fmt::format("'{}' (byte 0x{:02x})", c, uint8_t(c))
                                  : fmt::format("byte 0x{:02x}", uint8_t(c));
}
}  // namespace

int64_t CharVocab::token(char c) const {
  const int64_t t = index_[uint8_t(c)];
  CAJAL_CHECK_INDEX(t >= 0, "CharVocab", "character {} is not in the vocabulary of {} characters", describe_char(c),
                    size());
  return t;
}

char CharVocab::character(int64_t t) const {
  CAJAL_CHECK_INDEX(t >= 0 && t < size(), "CharVocab", "token {} is out of range for a vocabulary of {} characters",
                    t, size());
  return chars_[size_t(t)];
}

Tensor CharVocab::encode(std::string_view text) const {
  Tensor out = make_tensor({int64_t(text.size())}, DType::i64);
  int64_t* p = out.data_ptr<int64_t>();
  for (size_t i = 0; i < text.size(); ++i) {
    const int64_t t = index_[uint8_t(text[i])];
    CAJAL_CHECK_INDEX(t >= 0, "CharVocab", "encode: character {} at position {} is not in the vocabulary of {} characters",
                      describe_char(text[i]), i, size());
    p[i] = t;
  }
  return out;
}

std::string CharVocab::decode(const Tensor& tokens) const {
  CAJAL_CHECK_TYPE(tokens.defined() && (tokens.dtype() == DType::i64 || tokens.dtype() == DType::u8), "CharVocab",
                   "decode expects int64 (or uint8) tokens, got {}",
                   tokens.defined() ? dtype_name(tokens.dtype()) : "undefined");
  std::string out;
  out.reserve(size_t(tokens.numel()));
  for (int64_t t : tokens.to_vector<int64_t>()) out += character(t);
  return out;
}

CharSequenceDataset::CharSequenceDataset(const Tensor& tokens, int64_t block_size, int64_t stride)
    : block_size_(block_size), stride_(stride) {
  CAJAL_CHECK_TYPE(tokens.defined() && tokens.dtype() == DType::i64 && tokens.dim() == 1, "CharSequenceDataset",
                   "expected int64 tokens [len], got {}",
                   tokens.defined() ? fmt::format("{} {}", dtype_name(tokens.dtype()), shape_str(tokens.shape()))
                                    : std::string("undefined"));
  CAJAL_CHECK(block_size >= 1 && block_size < tokens.numel(), "CharSequenceDataset",
              "expected 1 <= block_size < {} (the number of tokens), got {}", tokens.numel(), block_size);
  CAJAL_CHECK(stride >= 1, "CharSequenceDataset", "expected stride >= 1, got {}", stride);
  NoGradGuard no_grad;
  tokens_ = tokens.detach().contiguous();
}

Example CharSequenceDataset::get(int64_t index) const {
  CAJAL_CHECK_INDEX(index >= 0 && index < size(), "CharSequenceDataset", "index {} is out of range for {} examples",
                    index, size());
  return {tokens_.narrow(0, index * stride_, block_size_), tokens_.narrow(0, index * stride_ + 1, block_size_)};
}

Batch CharSequenceDataset::get_batch(std::span<const int64_t> indices) const {
  const int64_t B = int64_t(indices.size()), T = block_size_;
  Batch batch{make_tensor({B, T}, DType::i64), make_tensor({B, T}, DType::i64)};
  const int64_t* src = tokens_.data_ptr<int64_t>();
  int64_t* x = batch.input.data_ptr<int64_t>();
  int64_t* y = batch.target.data_ptr<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    const int64_t i = indices[size_t(b)];
    CAJAL_CHECK_INDEX(i >= 0 && i < size(), "CharSequenceDataset", "index {} is out of range for {} examples", i,
                      size());
    std::memcpy(x + b * T, src + i * stride_, size_t(T) * sizeof(int64_t));
    std::memcpy(y + b * T, src + i * stride_ + 1, size_t(T) * sizeof(int64_t));
  }
  return batch;
}

}  // namespace cajal::data
