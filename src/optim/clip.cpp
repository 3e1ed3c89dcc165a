// Gradient clipping and weight penalties. The convention a reader must know: the total norm is
// summed in float64 over fixed blocks of kNormBlock elements, partial sums added in block order,
// so clip_grad_norm_ returns the same bits whatever the thread count.
#include "cajal/optim/clip.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "cajal/autograd/grad_mode.h"
#include "cajal/core/threading.h"
#include "cajal/ops/ops.h"
#include "kernels/cpu/loops.h"

namespace cajal::optim {

namespace {

constexpr int64_t kNormBlock = 16384;  // a multiple of the 16 lanes below

std::vector<Tensor> defined_grads(const std::vector<Tensor>& params, const char* op) {
  std::vector<Tensor> grads;
  for (size_t i = 0; i < params.size(); ++i) {
    CAJAL_CHECK(params[i].defined(), op, "tensor {} of the list is undefined", i);
    Tensor g = params[i].grad();
    if (!g.defined()) continue;
    CAJAL_CHECK_TYPE(g.is_floating_point(), op, "gradient {} must be float32 or float64, got {}", i,
                     dtype_name(g.dtype()));
    grads.push_back(g);
  }
  return grads;
}

// Reduces map(x) over x[0, n) with `combine`, 16 independent lanes (vectorised), in float64.
template <class T, class Map, class Combine>
double reduce_block(const T* x, int64_t n, Map map, Combine combine) {
  constexpr int L = 16;
  double lanes[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int l = 0; l < L; ++l) lanes[l] = combine(lanes[l], map(double(x[i + l])));
  double acc = 0.0;
  for (int l = 0; l < L; ++l) acc = combine(acc, lanes[l]);
  for (; i < n; ++i) acc = combine(acc, map(double(x[i])));
  return acc;
}

// Fills partial[b] with the reduction of block b of x[0, n), blocks split over the threads.
template <class T, class Map, class Combine>
void reduce_blocks(const T* x, int64_t n, std::vector<double>& partial, Map map, Combine combine) {
  const int64_t blocks = int64_t(partial.size());
  auto block = [&](int64_t b) {
    const int64_t begin = b * kNormBlock;
    partial[size_t(b)] = reduce_block(x + begin, std::min(kNormBlock, n - begin), map, combine);
  };
  const int threads = get_num_threads();
  if (threads > 1 && n >= kParallelGrain && blocks > 1 && !omp_in_parallel()) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t b = 0; b < blocks; ++b) block(b);
  } else {
    for (int64_t b = 0; b < blocks; ++b) block(b);
  }
}

// combine over the whole tensor, blockwise (see the file comment). map(x) >= 0 and combine(0, y) = y.
template <class Map, class Combine>
double reduce_tensor(const Tensor& t, Map map, Combine combine) {
  Tensor c = t.contiguous();  // NB: a strided gradient costs one copy here
  std::vector<double> partial(size_t((c.numel() + kNormBlock - 1) / kNormBlock), 0.0);
  CAJAL_DISPATCH_FLOAT(c.dtype(), "clip_grad_norm_",
                       [&] { reduce_blocks(c.data_ptr<scalar_t>(), c.numel(), partial, map, combine); });
  double acc = 0.0;
  for (double v : partial) acc = combine(acc, v);
  return acc;
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  const char* op = "clip_grad_norm_";
  CAJAL_CHECK(max_norm >= 0, op, "expected max_norm >= 0, got {}", max_norm);
  CAJAL_CHECK(norm_type > 0, op, "expected norm_type > 0 (or infinity), got {}", norm_type);
  std::vector<Tensor> grads = defined_grads(params, op);
  if (grads.empty()) return 0.0;

  const bool inf_norm = std::isinf(norm_type);
  auto add = [](double a, double b) { return a + b; };
  auto nan_max = [](double a, double b) { return a > b || std::isnan(a) ? a : b; };  // NaN propagates
  double total = 0.0;
  for (const Tensor& g : grads) {
    if (inf_norm)
      total = nan_max(total, reduce_tensor(
                                 g, [](double x) { return std::abs(x); }, nan_max));
    else if (norm_type == 2.0)
      total += reduce_tensor(
          g, [](double x) { return x * x; }, add);
    else if (norm_type == 1.0)
      total += reduce_tensor(
          g, [](double x) { return std::abs(x); }, add);
    else
      total += reduce_tensor(
          g, [norm_type](double x) { return std::pow(std::abs(x), norm_type); }, add);
  }
  if (!inf_norm)
    total = norm_type == 2.0 ? std::sqrt(total) : norm_type == 1.0 ? total : std::pow(total, 1.0 / norm_type);

  CAJAL_CHECK_KIND(!error_if_nonfinite || std::isfinite(total), Runtime, op,
                   "the total norm of order {} of the gradients is non-finite ({}), so it cannot be clipped; pass "
                   "error_if_nonfinite = false to scale the gradients by it anyway",
                   norm_type, total);
  const double coef = max_norm / (total + 1e-6);
  if (!(coef >= 1.0)) {  // NB: also scales by a NaN coefficient, as torch does
    NoGradGuard no_grad;
    for (Tensor& g : grads) g.mul_(coef);
  }
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  const char* op = "clip_grad_value_";
  CAJAL_CHECK(clip_value >= 0, op, "expected clip_value >= 0, got {}", clip_value);
  for (Tensor& g : defined_grads(params, op)) {
    CAJAL_DISPATCH_FLOAT(g.dtype(), op, [&] {
      const scalar_t hi = scalar_t(clip_value), lo = -hi;
      kernels::cpu::unary_loop<scalar_t, scalar_t>(
          g, g, [lo, hi](scalar_t x) { return x < lo ? lo : (x > hi ? hi : x); });  // NaN stays NaN
    });
    g.storage()->bump_version();
  }
}

namespace {
template <class PerTensor>
Tensor penalty(const std::vector<Tensor>& params, const char* op, PerTensor per_tensor) {
  CAJAL_CHECK(!params.empty(), op, "expected at least one tensor, got an empty list");
  Tensor total;
  for (size_t i = 0; i < params.size(); ++i) {
    CAJAL_CHECK(params[i].defined(), op, "tensor {} of the list is undefined", i);
    CAJAL_CHECK_TYPE(params[i].is_floating_point(), op, "tensor {} must be float32 or float64, got {}", i,
                     dtype_name(params[i].dtype()));
    Tensor term = sum(per_tensor(params[i]));
    total = total.defined() ? add(total, term) : term;
  }
  return total;
}
}  // namespace

Tensor l1_penalty(const std::vector<Tensor>& params) {
  return penalty(params, "l1_penalty", [](const Tensor& w) { return abs(w); });
}

Tensor l2_penalty(const std::vector<Tensor>& params) {
  return penalty(params, "l2_penalty", [](const Tensor& w) { return square(w); });
}

}  // namespace cajal::optim
