// attention_bench: the fused scaled_dot_product_attention against the composed one
// (scaled_dot_product_attention_composed: the (T, T) scores and weights materialised and kept for
// the backward) at T = 64 .. 1024, forward + backward, batch 4, 8 heads, head_dim 64 (the gpt
// workload's head size), f32, 2 threads. bench/attention_torch.py measures torch's peer.
//
// Per point: time = the median of --reps forward + backward passes (after 2 warm-ups); peak = the
// caching allocator's peak bytes in use during one pass, above what q, k, v and the output gradient
// buffers held before it (cajal::allocator::stats().peak_bytes_in_use, reset before the pass; it
// counts the output, what the forward saves, q, k and v's fresh gradients and every transient);
// rss = the peak RSS during one pass above the RSS before it (VmHWM reset through
// /proc/self/clear_refs, then read from /proc/self/status), in a fresh process (`--rss-point T fused|composed`,
// run by the table mode for each point), the measure torch gets too.
//
//   attention_bench [--causal] [--reps N] [--json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cajal/cajal.h"
#include "cajal/core/allocator.h"
#include "cajal/core/blas_env.h"

namespace {

using namespace cajal;
constexpr int64_t kBatch = 4, kHeads = 8, kHeadDim = 64;

struct Inputs {
  Tensor q, k, v, grad_out;
};

Inputs make_inputs(int64_t T) {
  Generator gen(0);
  Inputs in;
  for (Tensor* t : {&in.q, &in.k, &in.v}) {
    *t = randn({kBatch, kHeads, T, kHeadDim}, DType::f32, &gen);
    t->requires_grad_(true);
  }
  in.grad_out = randn({kBatch, kHeads, T, kHeadDim}, DType::f32, &gen);
  return in;
}

void pass(Inputs& in, bool fused, bool causal) {
  for (Tensor* t : {&in.q, &in.k, &in.v}) t->zero_grad();
  Tensor out = fused ? scaled_dot_product_attention(in.q, in.k, in.v, Tensor(), 0.0, causal)
                     : scaled_dot_product_attention_composed(in.q, in.k, in.v, Tensor(), 0.0, causal);
  out.backward(in.grad_out);
}

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"), -1 when absent.
long status_kb(const char* field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  const size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f))
    if (!std::strncmp(line, field, n) && line[n] == ':') kb = std::atol(line + n + 1);
  std::fclose(f);
  return kb;
}

// Resets the peak RSS (VmHWM) to the present RSS (Linux: "5" > /proc/self/clear_refs), so the peak
// read after a pass is that pass's, not the process's start-up high-water mark.
void reset_peak_rss() {
  if (FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
}

struct Point {
  double ms = 0;
  double peak_mib = 0;
  double rss_mib = 0;
};

Point measure(int64_t T, bool fused, bool causal, int reps) {
  Inputs in = make_inputs(T);
  pass(in, fused, causal);  // warm-up: the gradients' buffers exist from here on, the cache is warm
  pass(in, fused, causal);
  for (Tensor* t : {&in.q, &in.k, &in.v}) t->zero_grad();
  const uint64_t before = allocator::stats().bytes_in_use;  // q, k, v, grad_out
  allocator::reset_peak();
  pass(in, fused, causal);  // the output, the saved tensors, the gradients of q, k, v and any transients
  Point p;
  p.peak_mib = double(allocator::stats().peak_bytes_in_use - before) / (1 << 20);
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    pass(in, fused, causal);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  p.ms = ms[ms.size() / 2];
  return p;
}

// One pass in this fresh process: the peak RSS growth over it, in KiB.
long rss_point(int64_t T, bool fused, bool causal) {
  Inputs in = make_inputs(T);
  // Touch the gradients' buffers the pass will write, so only the pass's transients count.
  for (Tensor* t : {&in.q, &in.k, &in.v}) t->backward(zeros_like(*t));
  reset_peak_rss();
  const long before = status_kb("VmRSS");
  pass(in, fused, causal);
  return status_kb("VmHWM") - before;
}

double rss_in_fresh_process(const char* self, int64_t T, bool fused, bool causal) {
  const std::string cmd = std::string(self) + " --rss-point " + std::to_string(T) + (fused ? " fused" : " composed") +
                          (causal ? " --causal" : "");
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return -1;
  long kb = -1;
  if (std::fscanf(f, "%ld", &kb) != 1) kb = -1;
  pclose(f);
  return kb < 0 ? -1 : double(kb) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  cajal::reexec_with_runtime_env(argv);
  if (!std::getenv("CAJAL_NUM_THREADS")) cajal::set_num_threads(2);
  bool causal = false, json = false;
  int reps = 7;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--causal")) causal = true;
    else if (!std::strcmp(argv[i], "--json")) json = true;
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
  }
  for (int i = 1; i + 2 < argc; ++i)
    if (!std::strcmp(argv[i], "--rss-point")) {
      std::printf("%ld\n", rss_point(std::atoll(argv[i + 1]), !std::strcmp(argv[i + 2], "fused"), causal));
      return 0;
    }
  if (!json)
    std::printf("attention fwd+bwd, B %lld, heads %lld, head_dim %lld, f32, %s, %d threads, median of %d\n"
                "%6s | %10s %10s %10s | %12s %12s | %10s %10s\n",
                (long long)kBatch, (long long)kHeads, (long long)kHeadDim, causal ? "causal" : "no mask",
                get_num_threads(), reps, "T", "fused ms", "composed", "speed-up", "fused peak", "composed peak",
                "fused rss", "comp. rss");
  for (int64_t T : {64, 128, 256, 512, 1024}) {
    const Point f = measure(T, true, causal, reps), c = measure(T, false, causal, reps);
    const double fr = rss_in_fresh_process(argv[0], T, true, causal), cr = rss_in_fresh_process(argv[0], T, false, causal);
    if (json)
      std::printf("{\"T\":%lld,\"causal\":%s,\"fused_ms\":%.3f,\"composed_ms\":%.3f,\"fused_peak_mib\":%.2f,"
                  "\"composed_peak_mib\":%.2f,\"fused_rss_mib\":%.1f,\"composed_rss_mib\":%.1f}\n",
                  (long long)T, causal ? "true" : "false", f.ms, c.ms, f.peak_mib, c.peak_mib, fr, cr);
    else
      std::printf("%6lld | %10.2f %10.2f %9.2fx | %8.1f MiB %8.1f MiB | %6.1f MiB %6.1f MiB\n", (long long)T, f.ms,
                  c.ms, c.ms / f.ms, f.peak_mib, c.peak_mib, fr, cr);
    std::fflush(stdout);
  }
  return 0;
}
