// Normalisation statistics and Normalize (see cajal/data/transforms.h).
// Layout: a contiguous batch is viewed as [outer, C, inner] with C the statistics dim (dim 1), or
// C = 1 for overall statistics; every loop below walks that view.
#include "cajal/data/transforms.h"

#include <cmath>
#include <vector>

#include "cajal/autograd/grad_mode.h"
#include "cajal/core/threading.h"
#include "cajal/ops/ops.h"

namespace cajal::data {

namespace {

struct Blocks {
  int64_t outer, channels, inner;
};

Blocks blocks_of(const Shape& shape, bool per_channel, const char* op) {
  const int64_t numel = shape_numel(shape);
  if (!per_channel) return {1, 1, numel};
  CAJAL_CHECK(shape.size() >= 2, op, "per-channel statistics index dim 1 of a batch [N, C, ...], got shape {}",
              shape_str(shape));
  const int64_t c = shape[1];
  int64_t inner = 1;
  for (size_t d = 2; d < shape.size(); ++d) inner *= shape[d];
  return {shape[0], c, inner};
}

// Per-channel count, mean and sum of squared deviations, merged block by block (Chan et al. 1979):
// each block is reduced two-pass in float64, so large offsets do not cancel.
class ChannelStats {
 public:
  explicit ChannelStats(int64_t channels) : count_(size_t(channels)), mean_(size_t(channels)), m2_(size_t(channels)) {}
  int64_t channels() const { return int64_t(count_.size()); }

  void add(const Tensor& x, const Blocks& b) {
    Tensor c = x.contiguous();
    CAJAL_DISPATCH_ALL(c.dtype(), "mean_std", [&] {
      const scalar_t* p = static_cast<const scalar_t*>(c.raw_data());
      for (int64_t ch = 0; ch < b.channels; ++ch) {
        const double n = double(b.outer * b.inner);
        if (n == 0) continue;
        double sum = 0.0;
        for (int64_t o = 0; o < b.outer; ++o) {
          const scalar_t* row = p + (o * b.channels + ch) * b.inner;
          for (int64_t i = 0; i < b.inner; ++i) sum += double(row[i]);
        }
        const double mean = sum / n;
        double m2 = 0.0;
        for (int64_t o = 0; o < b.outer; ++o) {
          const scalar_t* row = p + (o * b.channels + ch) * b.inner;
          for (int64_t i = 0; i < b.inner; ++i) {
            double d = double(row[i]) - mean;
            m2 += d * d;
          }
        }
        merge(size_t(ch), n, mean, m2);
      }
    });
  }

  MeanStd result(bool per_channel) const {
    const Shape shape = per_channel ? Shape{channels()} : Shape{};
    MeanStd out{make_tensor(shape, DType::f64), make_tensor(shape, DType::f64)};
    double* m = out.mean.data_ptr<double>();
    double* s = out.std.data_ptr<double>();
    for (size_t c = 0; c < count_.size(); ++c) {
      CAJAL_CHECK(count_[c] > 0, "mean_std", "no values to take statistics of (channel {})", c);
      m[c] = mean_[c];
      s[c] = std::sqrt(m2_[c] / count_[c]);
    }
    return out;
  }

 private:
  void merge(size_t c, double n, double mean, double m2) {
    const double total = count_[c] + n;
    const double delta = mean - mean_[c];
    mean_[c] += delta * n / total;
    m2_[c] += m2 + delta * delta * count_[c] * n / total;
    count_[c] = total;
  }

  std::vector<double> count_, mean_, m2_;
};

Tensor as_stat(const Tensor& t, const char* what) {
  CAJAL_CHECK(t.defined() && t.dim() <= 1, "Normalize", "expected {} as a 0-D or 1-D tensor, got {}", what,
              t.defined() ? shape_str(t.shape()) : "undefined");
  NoGradGuard no_grad;
  return t.detach().to(DType::f64).contiguous();
}

}  // namespace

MeanStd mean_std(const Tensor& x, bool per_channel) {
  CAJAL_CHECK(x.defined(), "mean_std", "expected a tensor, got undefined");
  Blocks b = blocks_of(x.shape(), per_channel, "mean_std");
  ChannelStats stats(b.channels);
  stats.add(x, b);
  return stats.result(per_channel);
}

MeanStd mean_std(const Dataset& dataset, bool per_channel) {
  CAJAL_CHECK(dataset.size() > 0, "mean_std", "expected a non-empty dataset, got 0 examples");
  std::optional<ChannelStats> stats;
  Shape first;
  for (int64_t i = 0; i < dataset.size(); ++i) {
    Tensor x = dataset.get(i).input;
    Shape batch{1};
    batch.insert(batch.end(), x.shape().begin(), x.shape().end());
    Blocks b = blocks_of(batch, per_channel, "mean_std");
    if (!stats) {
      stats.emplace(b.channels);
      first = x.shape();
    }
    CAJAL_CHECK(b.channels == stats->channels(), "mean_std", "example {} has shape {} but example 0 has {}", i,
                shape_str(x.shape()), shape_str(first));
    stats->add(x, b);
  }
  return stats->result(per_channel);
}

Normalize::Normalize(const Tensor& mean, const Tensor& std) : mean_(as_stat(mean, "mean")), std_(as_stat(std, "std")) {
  CAJAL_CHECK(mean_.shape() == std_.shape(), "Normalize", "mean has shape {} but std has {}", shape_str(mean_.shape()),
              shape_str(std_.shape()));
  const double* s = std_.data_ptr<double>();
  for (int64_t c = 0; c < std_.numel(); ++c)
    CAJAL_CHECK(s[c] > 0 && std::isfinite(s[c]), "Normalize", "expected every std > 0 and finite, got {} at {}",
                s[c], c);
}

Normalize::Normalize(double mean, double std)
    : Normalize(scalar_tensor(mean, DType::f64), scalar_tensor(std, DType::f64)) {}

namespace {

template <class T>
void normalize_blocks(const T* src, T* dst, const Blocks& b, const double* mean, const double* std, bool scalar) {
  const int64_t rows = b.outer * b.channels;
#pragma omp parallel for schedule(static) if (rows * b.inner > kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t c = scalar ? 0 : r % b.channels;
    const T m = T(mean[c]), s = T(std[c]);  // in x's precision, as PyTorch's (x - mean) / std
    const T* in = src + r * b.inner;
    T* out = dst + r * b.inner;
    for (int64_t i = 0; i < b.inner; ++i) out[i] = (in[i] - m) / s;
  }
}

// dst = (src - mean) / std; src contiguous, dst contiguous of the same shape (may be src).
void normalize_into(const Tensor& mean, const Tensor& std, const Tensor& src, Tensor& dst) {
  CAJAL_CHECK_KIND(!src.requires_grad(), Runtime, "Normalize",
                   "the input requires grad, but data transforms record no graph; write (x - mean) / std with ops");
  const bool scalar = mean.dim() == 0;
  Blocks b = blocks_of(src.shape(), !scalar, "Normalize");
  CAJAL_CHECK(scalar || b.channels == mean.numel(), "Normalize",
              "input has {} channels (dim 1 of shape {}) but mean/std have {}", b.channels, shape_str(src.shape()),
              mean.numel());
  CAJAL_DISPATCH_FLOAT(src.dtype(), "Normalize", [&] {
    normalize_blocks(static_cast<const scalar_t*>(src.raw_data()), static_cast<scalar_t*>(dst.raw_data()), b,
                     mean.data_ptr<double>(), std.data_ptr<double>(), scalar);
  });
}

}  // namespace

Tensor Normalize::operator()(const Tensor& x) const {
  CAJAL_CHECK(x.defined(), "Normalize", "expected a tensor, got undefined");
  Tensor out = make_tensor(x.shape(), x.dtype());
  normalize_into(mean_, std_, x.contiguous(), out);
  return out;
}

Tensor& Normalize::apply_(Tensor& x) const {
  CAJAL_CHECK(x.defined() && x.is_contiguous(), "Normalize", "apply_ needs a contiguous tensor, got {}",
              x.defined() ? "a strided view" : "undefined");
  normalize_into(mean_, std_, x, x);
  x.storage()->bump_version();
  return x;
}

}  // namespace cajal::data
