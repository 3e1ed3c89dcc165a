// Text for character-level models: loading a file, a character vocabulary, and a dataset of
// fixed-length windows for next-character prediction.
// Convention: a "character" is a byte. ASCII text (tinyshakespeare) maps one letter to one token;
// UTF-8 multi-byte letters become several tokens, and decode(encode(s)) == s always holds.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "cajal/core/tensor.h"
#include "cajal/data/dataset.h"

namespace cajal::data {

// The whole file as a string (gzip-compressed files are decompressed).
std::string load_text(const std::string& path);

// The project's shared data folder: $CAJAL_SHARED_DIR when set, else the compile-time
// CAJAL_SHARED_DIR (the repository's ../shared).
std::string shared_dir();
// shared_dir() + "/data/tinyshakespeare/input.txt" (Karpathy's char-rnn corpus, 1.1 MB).
std::string tinyshakespeare_path();

// The sorted set of distinct characters of a text; token i is the i-th smallest byte.
class CharVocab {
 public:
  explicit CharVocab(std::string_view text);
  int64_t size() const { return int64_t(chars_.size()); }
  const std::string& chars() const { return chars_; }  // every character, in token order
  bool contains(char c) const { return index_[uint8_t(c)] >= 0; }
  int64_t token(char c) const;       // IndexError for a character outside the vocabulary
  char character(int64_t t) const;   // IndexError for t outside [0, size())
  Tensor encode(std::string_view text) const;  // int64 [len]
  std::string decode(const Tensor& tokens) const;  // any integer tensor, read row-major

 private:
  std::string chars_;
  std::array<int64_t, 256> index_;  // byte -> token, -1 when absent
};

// Windows of a token sequence: example i is (tokens[s : s+T], tokens[s+1 : s+T+1]) with s = i * stride,
// T = block_size, so there are (len - T - 1) / stride + 1 examples (len - T with stride 1: every
// window; stride T: the text cut into consecutive windows, each character seen once per epoch).
// get_batch gathers the windows with one memcpy each.
class CharSequenceDataset : public Dataset {
 public:
  // tokens: int64 [len], len > T; stride >= 1.
  CharSequenceDataset(const Tensor& tokens, int64_t block_size, int64_t stride = 1);
  int64_t size() const override { return (tokens_.numel() - block_size_ - 1) / stride_ + 1; }
  Example get(int64_t index) const override;
  Batch get_batch(std::span<const int64_t> indices) const override;
  int64_t block_size() const { return block_size_; }
  int64_t stride() const { return stride_; }
  const Tensor& tokens() const { return tokens_; }

 private:
  Tensor tokens_;
  int64_t block_size_, stride_;
};

}  // namespace cajal::data
