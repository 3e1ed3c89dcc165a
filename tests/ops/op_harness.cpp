// The row registry, the sample-input builders and the naive-reference helpers of op_harness.h.
#include "ops/op_harness.h"

#include <algorithm>
#include <cmath>

namespace cajal::test {

std::vector<OpRow>& op_rows() {
  static std::vector<OpRow> rows;
  return rows;
}

RegisterRows::RegisterRows(std::vector<OpRow> (*make)()) {
  for (OpRow& r : make()) op_rows().push_back(std::move(r));
}

Tensor sample(const Shape& shape, double lo, double hi, std::vector<double> kinks, uint64_t seed, double margin) {
  Generator g(seed);
  std::vector<double> v = uniform(shape, lo, hi, DType::f64, &g).to_vector<double>();
  for (double& x : v)
    for (double k : kinks)  // NB: pushed outward, so a sample never lands within margin of a kink
      if (std::abs(x - k) < margin) x = x < k ? k - margin : k + margin;
  return from_vector(v, shape, DType::f64);
}

Tensor sample(const Shape& shape, const SampleDomain& d, uint64_t seed) {
  return sample(shape, d.lo, d.hi, std::vector<double>(d.kinks, d.kinks + d.n_kinks), seed);
}

Tensor index_tensor(const std::vector<int64_t>& v, const Shape& shape) { return from_vector(v, shape); }

Tensor mask_tensor(const std::vector<int>& v, const Shape& shape) {
  std::vector<double> d(v.begin(), v.end());
  return from_vector(d, shape, DType::f64).to(DType::b8);
}

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

Tensor make_ref(const std::vector<double>& v, const Shape& shape) { return from_vector(v, shape, DType::f64); }

Tensor map_ref(const Tensor& x, const std::function<double(double)>& f) {
  std::vector<double> v = values(x);
  for (double& e : v) e = f(e);
  return make_ref(v, x.shape());
}

Tensor zip_ref(const Tensor& a, const Tensor& b, const std::function<double(double, double)>& f) {
  const Shape s = broadcast_shapes(a.shape(), b.shape(), "zip_ref");
  std::vector<double> va = values(expand(a, s)), vb = values(expand(b, s)), out(va.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = f(va[i], vb[i]);
  return make_ref(out, s);
}

Tensor reduce_ref(const Tensor& x, int64_t dim, const std::function<double(const std::vector<double>&)>& f) {
  const Shape& s = x.shape();
  const int64_t d = dim < 0 ? dim + int64_t(s.size()) : dim;
  int64_t outer = 1, D = s[size_t(d)], inner = 1;
  for (int64_t i = 0; i < int64_t(s.size()); ++i)
    if (i < d) outer *= s[size_t(i)];
    else if (i > d) inner *= s[size_t(i)];
  std::vector<double> v = values(x), out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      std::vector<double> line;
      for (int64_t k = 0; k < D; ++k) line.push_back(v[size_t((o * D + k) * inner + in)]);
      out.push_back(f(line));
    }
  Shape os;
  for (int64_t i = 0; i < int64_t(s.size()); ++i)
    if (i != d) os.push_back(s[size_t(i)]);
  return make_ref(out, os);
}

Tensor lines_ref(const Tensor& x, int64_t dim, const std::function<std::vector<double>(const std::vector<double>&)>& f) {
  const Shape& s = x.shape();
  const int64_t d = dim < 0 ? dim + int64_t(s.size()) : dim;
  int64_t outer = 1, D = s[size_t(d)], inner = 1;
  for (int64_t i = 0; i < int64_t(s.size()); ++i)
    if (i < d) outer *= s[size_t(i)];
    else if (i > d) inner *= s[size_t(i)];
  std::vector<double> v = values(x), out(v.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      std::vector<double> line;
      for (int64_t k = 0; k < D; ++k) line.push_back(v[size_t((o * D + k) * inner + in)]);
      std::vector<double> mapped = f(line);
      for (int64_t k = 0; k < D; ++k) out[size_t((o * D + k) * inner + in)] = mapped[size_t(k)];
    }
  return make_ref(out, s);
}

Tensor reduce_all_ref(const Tensor& x, const std::function<double(const std::vector<double>&)>& f) {
  return make_ref({f(values(x))}, {});
}

Tensor matmul_ref(const Tensor& a, const Tensor& b) {
  const int64_t M = a.size(0), K = a.size(1), N = b.size(1);
  std::vector<double> va = values(a), vb = values(b), c(size_t(M * N), 0.0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j)
      for (int64_t k = 0; k < K; ++k) c[size_t(i * N + j)] += va[size_t(i * K + k)] * vb[size_t(k * N + j)];
  return make_ref(c, {M, N});
}

}  // namespace cajal::test
