// gemm workload: C = A·B for square N x N fp32, through cajal::matmul, with raw cblas_sgemm on the
// same matrices timed beside it (interleaved rep by rep, so both see the same machine noise).
// Protocol (WORKLOADS.md): 3 warm-up calls; 10 timed reps; one rep times `inner` back-to-back
// calls, inner = max(1, 1024^3 / N^3); t = rep time / inner; GFLOP/s = 2 N^3 / t.
// N = 64 is an extra row ("extra_results") for the small-matrix overhead target (cajal within
// 1.3x of raw BLAS time); it is not one of torch_reference.py's sizes.
#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "cajal/autograd/grad_mode.h"
#include "cajal/core/allocator.h"
#include "cajal/ops/ops.h"
#include "workloads/workload.h"

namespace cajal::bench {
namespace {

constexpr int kWarmup = 3;

template <class F>
double time_rep(F& call, int64_t inner) {
  const double t0 = now_s();
  for (int64_t i = 0; i < inner; ++i) call();
  return (now_s() - t0) / double(inner);
}

Json gemm_row(int64_t n, int reps, Generator& gen) {
  Tensor a = randn({n, n}, DType::f32, &gen);
  Tensor b = randn({n, n}, DType::f32, &gen);
  Tensor c_cajal = matmul(a, b);
  const float* pa = a.data_ptr<float>();
  const float* pb = b.data_ptr<float>();
  const int bn = int(n);

  // NB: memory is part of the comparison (peak RSS): only A, B and one C live at a time, like
  // torch's mm into C. matmul's previous output is released before the next call, so the caching
  // allocator hands its block straight back, and raw sgemm overwrites that same C.
  auto cajal_call = [&] {
    c_cajal = Tensor();
    c_cajal = matmul(a, b);
  };
  auto blas_call = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bn, bn, bn, 1.0f, pa, bn, pb, bn, 0.0f,
                c_cajal.data_ptr<float>(), bn);
  };
  const int64_t inner = std::max<int64_t>(1, (int64_t(1) << 30) / (n * n * n));
  for (int i = 0; i < kWarmup; ++i) {
    cajal_call();
    blas_call();
  }
  std::vector<double> t_cajal, t_blas;
  for (int r = 0; r < reps; ++r) {
    t_cajal.push_back(time_rep(cajal_call, inner));
    t_blas.push_back(time_rep(blas_call, inner));
  }
  // Same inputs, same BLAS underneath: a sanity check that matmul computed this product, on the
  // first rows (copied out before sgemm overwrites C).
  cajal_call();
  const int64_t rows = std::min<int64_t>(n, 4);
  std::vector<float> head(c_cajal.data_ptr<float>(), c_cajal.data_ptr<float>() + rows * n);
  blas_call();
  double max_diff = 0.0;
  const float* pc = c_cajal.data_ptr<float>();
  for (int64_t i = 0; i < rows * n; ++i) max_diff = std::max(max_diff, double(std::fabs(head[size_t(i)] - pc[i])));

  const double flop = 2.0 * double(n) * double(n) * double(n);
  const double best = *std::min_element(t_cajal.begin(), t_cajal.end());
  const double blas_best = *std::min_element(t_blas.begin(), t_blas.end());
  Json row;
  row["n"] = n;
  row["inner"] = inner;
  row["gflops_best"] = round_to(flop / best / 1e9, 2);
  row["gflops_median"] = round_to(flop / median(t_cajal) / 1e9, 2);
  row["ms_best"] = round_to(best * 1e3, 4);
  row["blas_gflops_best"] = round_to(flop / blas_best / 1e9, 2);
  row["blas_gflops_median"] = round_to(flop / median(t_blas) / 1e9, 2);
  row["blas_ms_best"] = round_to(blas_best * 1e3, 4);
  // Time ratios (lower is better for cajal): best rep vs best rep, median vs median.
  row["time_vs_blas_best"] = round_to(best / blas_best, 3);
  row["time_vs_blas_median"] = round_to(median(t_cajal) / median(t_blas), 3);
  row["max_abs_diff_vs_blas"] = max_diff;
  return row;
}

Json run_gemm(const RunOptions& opt) {
  const int reps = opt.steps ? int(opt.steps) : 10;
  NoGradGuard no_grad;  // inputs do not require grad anyway; this states that nothing is recorded
  Generator gen(opt.seed);
  Json out;
  out["reps"] = reps;
  out["warmup"] = kWarmup;
  out["results"] = Json::array();
  for (int64_t n : {256, 512, 1024, 2048}) {
    out["results"].push_back(gemm_row(n, reps, gen));
    allocator::empty_cache();  // the next size reuses none of these blocks
  }
  out["extra_results"] = Json::array({gemm_row(64, reps, gen)});
  return out;
}

}  // namespace

Workload gemm_workload() {
  return {"gemm", "fp32 C = A·B, N = 256..2048 (+ 64), matmul beside raw cblas_sgemm", "", run_gemm};
}

}  // namespace cajal::bench
