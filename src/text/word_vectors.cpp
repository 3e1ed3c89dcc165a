// WordVectors (word2vec.h): lookup, cosine similarity and neighbours, and the word2vec text and
// binary formats.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <numeric>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"
#include "cajal/text/word2vec.h"
#include "data/byte_reader.h"
#include "io/atomic_file.h"

namespace cajal::text {

namespace {

constexpr const char* kOp = "word vectors";

// "V dim" of both formats' first line; `where` names the file and line for errors.
std::pair<int64_t, int64_t> parse_header(const std::string& line, const std::string& path) {
  int64_t v = -1, d = -1;
  const char* p = line.data();
  const char* end = p + line.size();
  auto r1 = std::from_chars(p, end, v);
  const char* q = r1.ptr;
  while (q < end && *q == ' ') ++q;
  auto r2 = std::from_chars(q, end, d);
  const char* rest = r2.ptr;
  while (rest < end && (*rest == ' ' || *rest == '\r')) ++rest;
  if (r1.ec != std::errc() || r2.ec != std::errc() || q == r1.ptr || rest != end || v < 0 || d < 1)
    CAJAL_FAIL(Value, kOp, "{}:1: expected the header 'WORDS DIMENSION' (two positive integers), got '{}'", path,
               line.substr(0, 80));
  return {v, d};
}

}  // namespace

WordVectors::WordVectors(std::vector<std::string> words, Tensor vectors) : words_(std::move(words)) {
  CAJAL_CHECK(vectors.defined() && vectors.dim() == 2 && vectors.size(0) == int64_t(words_.size()), kOp,
              "expected a matrix [{}, dim] (one row per word), got {}", words_.size(),
              vectors.defined() ? shape_str(vectors.shape()) : std::string("an undefined tensor"));
  vectors_ = vectors.detach().to(DType::f32).contiguous();
  for (size_t i = 0; i < words_.size(); ++i) index_.emplace(words_[i], int64_t(i));
}

int64_t WordVectors::index(const std::string& word) const {
  auto it = index_.find(word);
  CAJAL_CHECK_INDEX(it != index_.end(), kOp, "word '{}' is not in the vocabulary ({} words)", word, words_.size());
  return it->second;
}

Tensor WordVectors::vector(const std::string& word) const { return vectors_[index(word)]; }

double WordVectors::similarity(const std::string& a, const std::string& b) const {
  Tensor va = vector(a).to(DType::f64), vb = vector(b).to(DType::f64);
  const double na = norm(va).item(), nb = norm(vb).item();
  return na > 0 && nb > 0 ? sum(va * vb).item() / (na * nb) : 0.0;
}

std::vector<std::pair<std::string, double>> WordVectors::most_similar(const std::string& word, int64_t k) const {
  const int64_t i = index(word);
  std::vector<std::pair<std::string, double>> out;
  for (auto [j, s] : nearest_neighbours(vectors_, vectors_[i], k, {i})) out.emplace_back(words_[size_t(j)], s);
  return out;
}

std::vector<std::pair<std::string, double>> WordVectors::analogy(const std::string& a, const std::string& b,
                                                                 const std::string& c, int64_t k) const {
  const int64_t ia = index(a), ib = index(b), ic = index(c);
  auto unit = [&](int64_t i) {
    Tensor v = vectors_[i].to(DType::f64);
    return v / std::max(norm(v).item(), 1e-12);
  };
  Tensor q = unit(ia) - unit(ib) + unit(ic);
  std::vector<std::pair<std::string, double>> out;
  for (auto [j, s] : nearest_neighbours(vectors_, q, k, {ia, ib, ic})) out.emplace_back(words_[size_t(j)], s);
  return out;
}

Tensor cosine_similarities(const Tensor& matrix, const Tensor& query) {
  CAJAL_CHECK(matrix.defined() && matrix.dim() == 2, "cosine_similarities", "expected a matrix [V, d], got {}",
              matrix.defined() ? shape_str(matrix.shape()) : std::string("an undefined tensor"));
  CAJAL_CHECK(query.defined() && query.dim() == 1 && query.size(0) == matrix.size(1), "cosine_similarities",
              "expected a query [{}], got {}", matrix.size(1),
              query.defined() ? shape_str(query.shape()) : std::string("an undefined tensor"));
  NoGradGuard ng;
  Tensor m = matrix.detach().to(DType::f64), q = query.detach().to(DType::f64);
  Tensor dots = matmul(m, q);
  Tensor norms = norm(m, 2.0, {1}) * norm(q);
  // A zero row (or query) has no direction: similarity 0, not NaN.
  return where(gt(norms, 0.0), dots / maximum(norms, full({1}, 1e-300, DType::f64)), zeros({1}, DType::f64));
}

std::vector<std::pair<int64_t, double>> nearest_neighbours(const Tensor& matrix, const Tensor& query, int64_t k,
                                                           const std::vector<int64_t>& exclude) {
  CAJAL_CHECK(k >= 1, "nearest_neighbours", "expected k >= 1, got {}", k);
  const std::vector<double> s = cosine_similarities(matrix, query).to_vector<double>();
  std::vector<int64_t> order(s.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<char> skip(s.size(), 0);
  for (int64_t e : exclude)
    if (e >= 0 && e < int64_t(s.size())) skip[size_t(e)] = 1;
  order.erase(std::remove_if(order.begin(), order.end(), [&](int64_t i) { return skip[size_t(i)]; }), order.end());
  const size_t n = std::min(order.size(), size_t(k));
  std::partial_sort(order.begin(), order.begin() + ptrdiff_t(n), order.end(), [&](int64_t a, int64_t b) {
    return s[size_t(a)] > s[size_t(b)] || (s[size_t(a)] == s[size_t(b)] && a < b);
  });
  std::vector<std::pair<int64_t, double>> out;
  for (size_t i = 0; i < n; ++i) out.emplace_back(order[i], s[size_t(order[i])]);
  return out;
}

void WordVectors::save_text(const std::string& path) const {
  detail::AtomicFile f(path, kOp);
  f.write(fmt::format("{} {}\n", size(), dim()));
  const float* v = vectors_.data_ptr<float>();
  std::string line;
  for (int64_t i = 0; i < size(); ++i) {
    line = words_[size_t(i)];
    for (int64_t k = 0; k < dim(); ++k) fmt::format_to(std::back_inserter(line), " {}", v[i * dim() + k]);
    line += '\n';
    f.write(line);
  }
  f.commit();
}

void WordVectors::save_binary(const std::string& path) const {
  static_assert(std::endian::native == std::endian::little, "the binary format is little-endian float32");
  detail::AtomicFile f(path, kOp);
  f.write(fmt::format("{} {}\n", size(), dim()));
  const float* v = vectors_.data_ptr<float>();
  for (int64_t i = 0; i < size(); ++i) {
    f.write(words_[size_t(i)] + " ");
    f.write(v + i * dim(), size_t(dim()) * sizeof(float));
    f.write("\n");
  }
  f.commit();
}

WordVectors WordVectors::load(const std::string& path, bool binary) {
  const std::string data = detail::open_file(path, kOp)->read_all();
  size_t pos = data.find('\n');
  CAJAL_CHECK(pos != std::string::npos, kOp, "{}:1: expected the header 'WORDS DIMENSION' and a newline, got {}", path,
              data.empty() ? std::string("an empty file") : "'" + data.substr(0, 80) + "'");
  auto [V, D] = parse_header(data.substr(0, pos), path);
  ++pos;
  // Each record holds D values, at least 4 bytes each in binary and 1 in text: a header asking for
  // more records than the file can hold is an error before any allocation sized by it (a shorter
  // file that could still hold them gets the row or record where it ends, below).
  const uint64_t min_record = binary ? 4 * uint64_t(D) : uint64_t(D);
  CAJAL_CHECK(uint64_t(V) <= (data.size() - pos) / min_record, kOp,
              "{}:1: the header says {} words of dimension {}, but the {} bytes after it hold at most {}", path, V, D,
              data.size() - pos, (data.size() - pos) / min_record);
  std::vector<std::string> words;
  words.reserve(size_t(V));
  Tensor vectors = empty({V, D}, DType::f32);
  float* out = vectors.data_ptr<float>();
  for (int64_t i = 0; i < V; ++i) {
    if (binary) {
      // Record i: "word " then D float32 (gensim skips leading newlines before the word).
      while (pos < data.size() && data[pos] == '\n') ++pos;
      const size_t space = data.find(' ', pos);
      CAJAL_CHECK(space != std::string::npos && space + size_t(D) * 4 <= data.size(), kOp,
                  "{}: record {} (byte {}): truncated, expected a word, a space and {} float32 values", path, i + 1, pos, D);
      words.push_back(data.substr(pos, space - pos));
      std::memcpy(out + i * D, data.data() + space + 1, size_t(D) * 4);
      pos = space + 1 + size_t(D) * 4;
      continue;
    }
    const int64_t line_no = i + 2;
    CAJAL_CHECK(pos < data.size(), kOp, "{}:{}: expected {} rows as the header says, got {}", path, line_no, V, i);
    size_t eol = data.find('\n', pos);
    if (eol == std::string::npos) eol = data.size();
    const char* p = data.data() + pos;
    const char* end = data.data() + eol;
    while (end > p && (end[-1] == '\r' || end[-1] == ' ')) --end;
    const char* word_end = std::find(p, end, ' ');
    words.emplace_back(p, word_end);
    int64_t k = 0;
    for (const char* q = word_end; q < end;) {
      while (q < end && *q == ' ') ++q;
      if (q == end) break;
      float x;
      auto r = std::from_chars(q, end, x);
      CAJAL_CHECK(r.ec == std::errc(), kOp, "{}:{}: value {} of '{}' is not a number", path, line_no, k + 1, words.back());
      if (k < D) out[i * D + k] = x;
      ++k;
      q = r.ptr;
    }
    CAJAL_CHECK(k == D, kOp, "{}:{}: expected {} values for '{}' (the header's dimension), got {}", path, line_no, D,
                words.back(), k);
    pos = eol + 1;
  }
  return WordVectors(std::move(words), vectors);
}

}  // namespace cajal::text
