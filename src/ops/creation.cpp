// Tensor creation: constants, ranges, data, and seeded random tensors.
// Random values are drawn serially from one Generator, so a seed fixes them for any thread count.
#include <cmath>

#include "cajal/ops/ops.h"
#include "kernels/cpu/loops.h"

namespace cajal {

namespace {
Generator& gen_or_default(Generator* g) { return g ? *g : default_generator(); }

template <class F>
Tensor fill_with(const Shape& shape, DType dtype, const char* op, F draw) {
  Tensor t = make_tensor(shape, dtype);
  CAJAL_DISPATCH_ALL(dtype, op, [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = scalar_t(draw());
  });
  return t;
}
}  // namespace

Tensor empty(const Shape& shape, DType dtype) { return make_tensor(shape, dtype); }
Tensor zeros(const Shape& shape, DType dtype) { return full(shape, 0.0, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor t = make_tensor(shape, dtype);
  if (value == 0.0) {
    std::memset(t.raw_data(), 0, size_t(t.numel()) * t.element_size());
  } else {
    NoGradGuard ng;
    t.fill_(value);
  }
  return t;
}

Tensor scalar_tensor(double value, DType dtype) { return full({}, value, dtype); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor full_like(const Tensor& t, double v) { return full(t.shape(), v, t.dtype()); }
Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype()); }

Tensor arange(double end, DType dtype) { return arange(0.0, end, 1.0, dtype); }

Tensor arange(double start, double end, double step, DType dtype) {
  CAJAL_CHECK(step != 0.0, "arange", "step must be nonzero");
  CAJAL_CHECK((end - start) / step >= 0, "arange", "upper bound {} and lower bound {} inconsistent with step sign {}",
              end, start, step);
  int64_t n = int64_t(std::ceil((end - start) / step));
  int64_t i = 0;
  return fill_with({n}, dtype, "arange", [&] { return start + double(i++) * step; });
}

Tensor linspace(double start, double end, int64_t steps, DType dtype) {
  CAJAL_CHECK(steps >= 0, "linspace", "number of steps must be non-negative, got {}", steps);
  double step = steps > 1 ? (end - start) / double(steps - 1) : 0.0;
  int64_t i = 0;
  return fill_with({steps}, dtype, "linspace", [&] {
    int64_t k = i++;
    // Fill the second half from the end, as PyTorch does, so the last value is exactly `end`;
    // a single step is `start` (PyTorch).
    if (steps == 1) return start;
    if (steps == 1) return start;
    return k < steps / 2 ? start + double(k) * step : end - double(steps - 1 - k) * step;
  });
}

Tensor eye(int64_t n, int64_t m, DType dtype) {
  if (m < 0) m = n;
  CAJAL_CHECK(n >= 0 && m >= 0, "eye", "expected non-negative sizes, got n={}, m={}", n, m);
  Tensor t = zeros({n, m}, dtype);
  CAJAL_DISPATCH_ALL(dtype, "eye", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = scalar_t(1);
  });
  return t;
}

Tensor tensor(std::initializer_list<double> values, DType dtype) {
  return from_vector(std::vector<double>(values), {int64_t(values.size())}, dtype);
}

Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, DType dtype) {
  std::vector<double> data;
  int64_t cols = rows.size() ? int64_t(rows.begin()->size()) : 0;
  for (auto& r : rows) {
    CAJAL_CHECK(int64_t(r.size()) == cols, "tensor", "expected rows of {} values, got a row of {}", cols, r.size());
    data.insert(data.end(), r.begin(), r.end());
  }
  return from_vector(data, {int64_t(rows.size()), cols}, dtype);
}

Tensor from_vector(const std::vector<double>& values, const Shape& shape, DType dtype) {
  CAJAL_CHECK(int64_t(values.size()) == shape_numel(shape), "from_vector", "shape {} needs {} values, got {}",
              shape_str(shape), shape_numel(shape), values.size());
  size_t i = 0;
  return fill_with(shape, dtype, "from_vector", [&] { return values[i++]; });
}

Tensor from_vector(const std::vector<float>& values, const Shape& shape) {
  CAJAL_CHECK(int64_t(values.size()) == shape_numel(shape), "from_vector", "shape {} needs {} values, got {}",
              shape_str(shape), shape_numel(shape), values.size());
  Tensor t = make_tensor(shape, DType::f32);
  if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(float));
  return t;
}

Tensor from_vector(const std::vector<int64_t>& values, const Shape& shape) {
  CAJAL_CHECK(int64_t(values.size()) == shape_numel(shape), "from_vector", "shape {} needs {} values, got {}",
              shape_str(shape), shape_numel(shape), values.size());
  Tensor t = make_tensor(shape, DType::i64);
  if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(int64_t));
  return t;
}

Tensor rand(const Shape& shape, DType dtype, Generator* gen) { return uniform(shape, 0.0, 1.0, dtype, gen); }
Tensor randn(const Shape& shape, DType dtype, Generator* gen) { return normal(shape, 0.0, 1.0, dtype, gen); }

Tensor uniform(const Shape& shape, double low, double high, DType dtype, Generator* gen) {
  Tensor t = make_tensor(shape, dtype);
  return uniform_(t, low, high, gen);
}

Tensor normal(const Shape& shape, double mean, double std, DType dtype, Generator* gen) {
  Tensor t = make_tensor(shape, dtype);
  return normal_(t, mean, std, gen);
}

Tensor& uniform_(Tensor& t, double low, double high, Generator* gen) {
  CAJAL_CHECK(low <= high, "uniform_", "expected low <= high, got low={}, high={}", low, high);
  CAJAL_CHECK_TYPE(t.is_floating_point(), "uniform_", "expected a floating tensor, got {}", dtype_name(t.dtype()));
  CAJAL_CHECK(t.is_contiguous(), "uniform_", "expected a contiguous tensor");
  Generator& g = gen_or_default(gen);
  CAJAL_DISPATCH_FLOAT(t.dtype(), "uniform_", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      double u = std::is_same_v<scalar_t, float> ? double(g.next_float()) : g.next_double();
      p[i] = scalar_t(low + (high - low) * u);
    }
  });
  t.storage()->bump_version();
  return t;
}

Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  CAJAL_CHECK(std >= 0, "normal_", "expected std >= 0, got {}", std);
  CAJAL_CHECK_TYPE(t.is_floating_point(), "normal_", "expected a floating tensor, got {}", dtype_name(t.dtype()));
  CAJAL_CHECK(t.is_contiguous(), "normal_", "expected a contiguous tensor");
  Generator& g = gen_or_default(gen);
  CAJAL_DISPATCH_FLOAT(t.dtype(), "normal_", [&] {
    scalar_t* p = t.data_ptr<scalar_t>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = scalar_t(mean + std * g.next_normal());
  });
  t.storage()->bump_version();
  return t;
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator* gen) {
  CAJAL_CHECK(low < high, "randint", "expected low < high, got low={}, high={}", low, high);
  Generator& g = gen_or_default(gen);
  uint64_t range = uint64_t(high - low);
  return fill_with(shape, DType::i64, "randint", [&] {
    // Lemire's multiply-shift: unbiased enough for ranges far below 2^64.
    return low + int64_t((__uint128_t(g.next_u64()) * range) >> 64);
  });
}

Tensor bernoulli(const Tensor& p, Generator* gen) {
  Generator& g = gen_or_default(gen);
  Tensor pc = p.contiguous().to(DType::f64);
  const double* pp = pc.data_ptr<double>();
  int64_t i = 0;
  return fill_with(p.shape(), p.is_floating_point() ? p.dtype() : DType::f32, "bernoulli", [&] {
    double pi = pp[i++];
    CAJAL_CHECK(pi >= 0.0 && pi <= 1.0, "bernoulli", "expected probabilities in [0, 1], got {}", pi);
    return g.next_double() < pi ? 1.0 : 0.0;
  });
}

Tensor bernoulli(const Shape& shape, double p, DType dtype, Generator* gen) {
  CAJAL_CHECK(p >= 0.0 && p <= 1.0, "bernoulli", "expected a probability in [0, 1], got {}", p);
  Generator& g = gen_or_default(gen);
  return fill_with(shape, dtype, "bernoulli", [&] { return g.next_double() < p ? 1.0 : 0.0; });
}

Tensor randperm(int64_t n, Generator* gen) {
  CAJAL_CHECK(n >= 0, "randperm", "expected n >= 0, got {}", n);
  Generator& g = gen_or_default(gen);
  Tensor t = arange(double(n), DType::i64);
  int64_t* p = t.data_ptr<int64_t>();
  for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates
    int64_t j = int64_t((__uint128_t(g.next_u64()) * uint64_t(i + 1)) >> 64);
    std::swap(p[i], p[j]);
  }
  return t;
}

}  // namespace cajal
