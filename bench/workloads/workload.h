// The benchmark workloads of ../shared/bench/WORKLOADS.md, run on cajal's public API.
//
// Convention: a workload's run function returns only its own figures (the keys that
// torch_reference.py puts between "standard" and "workload_wall_s"); run_workload() wraps them in
// the common keys (workload, impl, threads, seed, standard, ..., script_wall_s, peak_rss_mib), in
// the same order as torch_reference.py, so bench/summarize.py reads both sides with one parser.
// Data loading and model construction happen inside the run function but outside its timed region.
#pragma once
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace cajal::bench {

using Json = nlohmann::ordered_json;  // keeps insertion order: records read like torch's

// The workloads' standard thread count (WORKLOADS.md section 1: 2 compute threads in total).
constexpr int kStandardThreads = 2;

struct RunOptions {
  int64_t steps = 0;  // 0: the standard step / rep count; anything else makes "standard" false
  int threads = kStandardThreads;
  uint64_t seed = 0;
};

struct Workload {
  const char* name;
  const char* summary;
  // Empty when the workload runs; otherwise the layers it still waits for ("conv2d, max_pool2d").
  const char* needs;
  Json (*run)(const RunOptions&);  // null when `needs` is non-empty
  bool available() const { return needs == nullptr || needs[0] == '\0'; }
};

// Every workload of WORKLOADS.md, in its order (gemm, conv, mlp, lenet, charlstm, gpt).
const std::vector<Workload>& workloads();
const Workload* find_workload(std::string_view name);  // null when unknown
std::string workload_names();                          // "gemm, conv, ..." for messages

// Runs `w` (setting the thread count first) and returns the full record. An unavailable workload
// returns {"workload", "impl", "available": false, "needs", "message"} without running anything.
Json run_workload(const Workload& w, const RunOptions& opt);

// ---- process measurements shared by the workloads and the record

double peak_rss_mib();                  // getrusage ru_maxrss / 1024 (Linux reports KiB)
double current_rss_mib();               // VmRSS of /proc/self/status
double seconds_since_process_start();   // from exec (kernel start time), not from main()
int os_thread_count();                  // "Threads:" of /proc/self/status
std::vector<std::string> blas_libraries();  // real paths of the mapped *blas* objects

// Monotonic wall clock in seconds (std::chrono::steady_clock, as WORKLOADS.md requires).
inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> xs);
double round_to(double x, int digits);  // the JSON figures carry torch_reference.py's precision

}  // namespace cajal::bench
