// conv workload (WORKLOADS.md): one Conv2d(64, 64, 3x3, stride 1, padding 1, bias) on x [32, 64,
// 32, 32]. fwd: forward under no-grad. fwd_bwd: forward recording the graph + backward of a fixed
// upstream gradient dY ~ N(0, 1), producing dX, dW and db; gradients are reset before each rep.
// 3 warm-up reps, then `reps` (20) timed reps each; medians and minima in ms.
#include "cajal/autograd/grad_mode.h"
#include "cajal/nn/conv.h"
#include "cajal/ops/ops.h"
#include "workloads/workload.h"

namespace cajal::bench {
namespace {

constexpr int kWarmup = 3;

template <class F>
std::vector<double> time_reps(F fn, int reps) {
  for (int i = 0; i < kWarmup; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const double t0 = now_s();
    fn();
    t.push_back(now_s() - t0);
  }
  return t;
}

Json run_conv(const RunOptions& opt) {
  const int reps = opt.steps ? int(opt.steps) : 20;
  Generator gen(opt.seed);
  nn::Conv2d conv(nn::Conv2dOptions(64, 64, 3).padding({1, 1}).generator(&gen));
  const Tensor x = randn({32, 64, 32, 32}, DType::f32, &gen);
  const Tensor dy = randn({32, 64, 32, 32}, DType::f32, &gen);
  const double fwd_flop = 2.0 * 32 * 64 * 32 * 32 * 64 * 3 * 3;

  auto fwd = [&] {
    NoGradGuard no_grad;
    Tensor y = conv.forward(x);
  };
  Tensor x_req = x.clone();
  x_req.requires_grad_();
  auto fwd_bwd = [&] {
    x_req.zero_grad();
    conv.zero_grad();
    Tensor y = conv.forward(x_req);
    y.backward(dy);
  };
  const std::vector<double> t_f = time_reps(fwd, reps), t_fb = time_reps(fwd_bwd, reps);
  Json out;
  out["reps"] = reps;
  out["warmup"] = kWarmup;
  out["fwd_ms"] = round_to(median(t_f) * 1e3, 3);
  out["fwd_ms_min"] = round_to(*std::min_element(t_f.begin(), t_f.end()) * 1e3, 3);
  out["fwd_bwd_ms"] = round_to(median(t_fb) * 1e3, 3);
  out["fwd_bwd_ms_min"] = round_to(*std::min_element(t_fb.begin(), t_fb.end()) * 1e3, 3);
  out["fwd_gflops"] = round_to(fwd_flop / median(t_f) / 1e9, 2);
  out["fwd_bwd_gflops"] = round_to(3 * fwd_flop / median(t_fb) / 1e9, 2);
  return out;
}

}  // namespace

Workload conv_workload() {
  return {"conv", "one 3x3 Conv2d layer, 64 -> 64 channels, on [32, 64, 32, 32]: forward and forward+backward", "",
          run_conv};
}

}  // namespace cajal::bench
