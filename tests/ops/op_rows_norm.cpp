// Harness rows of layer_norm and rms_norm against scalar loops over each row of the normalised
// trailing dims: with and without the affine parameters, one or two normalised dims, a batch of
// leading dims; batch_norm against a loop over each channel's values. All have fused backward
// kernels, so every row checks fused against composed.
#include <cmath>

#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

// y[r, i] = (x[r, i] - mean_r) / sqrt(var_r + eps) w[i] + b[i] over rows of the last D elements
// (center = false: RMS norm, mean 0 and var = mean(x^2)).
Tensor norm_ref(const Inputs& in, int64_t D, bool center, double eps, bool affine) {
  std::vector<double> x = values(in[0]), w, b, y(x.size());
  if (affine) w = values(in[1]);
  if (affine && center && in.size() > 2) b = values(in[2]);
  for (size_t r = 0; r * size_t(D) < x.size(); ++r) {
    const double* xr = x.data() + r * size_t(D);
    double mu = 0, var = 0;
    if (center) {
      for (int64_t i = 0; i < D; ++i) mu += xr[i];
      mu /= double(D);
    }
    for (int64_t i = 0; i < D; ++i) var += (xr[i] - mu) * (xr[i] - mu);
    var /= double(D);
    for (int64_t i = 0; i < D; ++i) {
      double v = (xr[i] - mu) / std::sqrt(var + eps);
      if (affine) v = v * w[size_t(i)] + (b.empty() ? 0.0 : b[size_t(i)]);
      y[r * size_t(D) + size_t(i)] = v;
    }
  }
  return make_ref(y, in[0].shape());
}

// y[n, c, s] = (x[n, c, s] - mean_c) / sqrt(var_c + eps) w[c] + b[c], statistics over (n, s).
Tensor batch_norm_ref(const Inputs& in, double eps) {
  const Tensor& x = in[0];
  const int64_t N = x.size(0), C = x.size(1), S = x.numel() / (N * C);
  std::vector<double> v = values(x), w = in.size() > 1 ? values(in[1]) : std::vector<double>(),
                      b = in.size() > 2 ? values(in[2]) : std::vector<double>(), y(v.size());
  for (int64_t c = 0; c < C; ++c) {
    double mu = 0, var = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) mu += v[size_t((n * C + c) * S + s)];
    mu /= double(N * S);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) var += std::pow(v[size_t((n * C + c) * S + s)] - mu, 2);
    var /= double(N * S);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const size_t i = size_t((n * C + c) * S + s);
        y[i] = (v[i] - mu) / std::sqrt(var + eps) * (w.empty() ? 1.0 : w[size_t(c)]) + (b.empty() ? 0.0 : b[size_t(c)]);
      }
  }
  return make_ref(y, x.shape());
}

}  // namespace

CAJAL_OP_ROWS(norm) {
  std::vector<OpRow> rows{
      OpRow{.op = "layer_norm",
            .label = "affine, last dim",
            .inputs = [] { return Inputs{sample({2, 3, 7}), sample({7}, 0.5, 1.5, {}, 2), sample({7}, -1, 1, {}, 3)}; },
            .fn = [](const Inputs& in) { return layer_norm(in[0], {7}, in[1], in[2]); },
            .ref = [](const Inputs& in) { return norm_ref(in, 7, true, 1e-5, true); },
            .fused = true,
            .errors = {{"shape", [] { layer_norm(zeros({2, 5}), {4}); }, ErrorKind::Value,
                        "last 1 dims are normalized_shape [4], got input shape [2, 5]"},
                       {"weight shape", [] { layer_norm(zeros({2, 4}), {4}, zeros({3})); }, ErrorKind::Value,
                        "weight of shape normalized_shape [4], got [3]"},
                       {"weight dtype", [] { layer_norm(zeros({2, 4}), {4}, zeros({4}, DType::f64)); },
                        ErrorKind::Type, "weight of the input's dtype float32"},
                       {"integer input", [] { layer_norm(zeros({2, 4}, DType::i64), {4}); }, ErrorKind::Type,
                        "floating input"}}},
      OpRow{.op = "layer_norm",
            .label = "no affine, two normalised dims",
            .inputs = [] { return Inputs{sample({3, 2, 5})}; },
            .fn = [](const Inputs& in) { return layer_norm(in[0], {2, 5}, Tensor(), Tensor(), 1e-3); },
            .ref = [](const Inputs& in) { return norm_ref(in, 10, true, 1e-3, false); },
            .fused = true},
      OpRow{.op = "layer_norm",
            .label = "weight only, 1-D input",
            .inputs = [] { return Inputs{sample({6}), sample({6}, 0.5, 1.5, {}, 4)}; },
            .fn = [](const Inputs& in) { return layer_norm(in[0], {6}, in[1]); },
            .ref = [](const Inputs& in) { return norm_ref(in, 6, true, 1e-5, true); },
            .fused = true},
      OpRow{.op = "rms_norm",
            .label = "weight, last dim",
            .inputs = [] { return Inputs{sample({4, 9}), sample({9}, 0.5, 1.5, {}, 5)}; },
            .fn = [](const Inputs& in) { return rms_norm(in[0], {9}, in[1], 1e-6); },
            .ref = [](const Inputs& in) { return norm_ref(in, 9, false, 1e-6, true); },
            .fused = true,
            .errors = {{"shape", [] { rms_norm(zeros({2, 5}), {2}); }, ErrorKind::Value, "normalized_shape [2]"},
                       {"negative eps", [] { rms_norm(zeros({2, 5}), {5}, Tensor(), -1.0); }, ErrorKind::Value,
                        "eps >= 0"}}},
      OpRow{.op = "rms_norm",
            .label = "no weight, two normalised dims, default eps",
            .inputs = [] { return Inputs{sample({2, 3, 4})}; },
            .fn = [](const Inputs& in) { return rms_norm(in[0], {3, 4}); },
            // the default eps is the machine epsilon of the dtype: float64's here (the reference
            // is evaluated on float64 copies); float32's 1.2e-7 is below the f32 tolerance
            .ref = [](const Inputs& in) { return norm_ref(in, 12, false, 2.220446049250313e-16, false); },
            .fused = true},
      OpRow{.op = "batch_norm",
            .label = "affine, 4-D (N, C, H, W)",
            .inputs = [] { return Inputs{sample({3, 4, 5, 3}), sample({4}, 0.5, 1.5, {}, 6), sample({4}, -1, 1, {}, 7)}; },
            .fn = [](const Inputs& in) { return batch_norm(in[0], in[1], in[2]); },
            .ref = [](const Inputs& in) { return batch_norm_ref(in, 1e-5); },
            .fused = true,
            .errors = {{"one value per channel", [] { batch_norm(zeros({1, 3, 1, 1})); }, ErrorKind::Value,
                        "more than 1 value per channel when training, got input shape [1, 3, 1, 1]"},
                       {"weight shape", [] { batch_norm(zeros({2, 4}), zeros({3})); }, ErrorKind::Value,
                        "weight of shape [4] (one per channel of input [2, 4]), got [3]"},
                       {"bias dtype", [] { batch_norm(zeros({2, 4}), Tensor(), zeros({4}, DType::f64)); },
                        ErrorKind::Type, "bias of the input's dtype float32"},
                       {"1-D input", [] { batch_norm(zeros({4})); }, ErrorKind::Value, "at least 2 dims (N, C, ...)"},
                       {"integer input", [] { batch_norm(zeros({2, 4}, DType::i64)); }, ErrorKind::Type,
                        "floating input"}}},
      OpRow{.op = "batch_norm",
            .label = "no affine, 2-D (N, C), eps 1e-3",
            .inputs = [] { return Inputs{sample({6, 5})}; },
            .fn = [](const Inputs& in) { return batch_norm(in[0], Tensor(), Tensor(), 1e-3); },
            .ref = [](const Inputs& in) { return batch_norm_ref(in, 1e-3); },
            .fused = true},
      OpRow{.op = "batch_norm",
            .label = "weight only, 3-D (N, C, L), runs longer than 16 lanes",
            .inputs = [] { return Inputs{sample({2, 3, 37}), sample({3}, 0.5, 1.5, {}, 8)}; },
            .fn = [](const Inputs& in) { return batch_norm(in[0], in[1]); },
            .ref = [](const Inputs& in) { return batch_norm_ref(in, 1e-5); },
            .fused = true},
  };
  return rows;
}
