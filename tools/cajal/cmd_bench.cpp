// `cajal bench WORKLOAD`: runs one workload of ../shared/bench/WORKLOADS.md (bench/workloads/) and
// prints its record, the same keys as torch_reference.py. One run per process: --runs N re-executes
// this binary N times, because WORKLOADS.md figures are medians over separate processes.
// Exit status: 0 ran, 2 bad usage, 3 the workload is not available yet (it needs layers cajal lacks).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include "cajal/core/error.h"
#include "cajal/tools_registry.h"
#include "workloads/workload.h"

namespace {

using cajal::bench::Json;

struct BenchArgs {
  std::string workload;
  bool list = false;
  bool json = false;
  int runs = 1;
  int64_t steps = 0;
  int threads = cajal::bench::kStandardThreads;
  uint64_t seed = 0;
};

constexpr int kExitUnavailable = 3;

void print_record(const Json& rec, bool json) {
  if (json) {
    std::cout << rec.dump() << std::endl;
    return;
  }
  for (const auto& [k, v] : rec.items()) {
    if (v.is_array() && !v.empty() && v[0].is_object()) {  // gemm's per-N rows: one line each
      fmt::print("{:>26}:\n", k);
      for (const auto& row : v) fmt::print("{:>26}  {}\n", "", row.dump());
    } else {
      fmt::print("{:>26}: {}\n", k, v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
}

// Numeric figures of a record under dotted names; rows of per-N tables become "n=256.<key>".
void flatten(const Json& j, const std::string& prefix, std::map<std::string, std::vector<double>>& out) {
  if (j.is_number() && !j.is_boolean()) {
    out[prefix].push_back(j.get<double>());
  } else if (j.is_object()) {
    for (const auto& [k, v] : j.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_array()) {
    for (const auto& row : j)
      if (row.is_object() && row.contains("n"))
        flatten(row, fmt::format("{}n={}", prefix.empty() ? "" : prefix + ".", row["n"].get<int64_t>()), out);
  }
}

int list_workloads() {
  for (const auto& w : cajal::bench::workloads())
    fmt::print("{:<9} {:<10} {}{}\n", w.name, w.available() ? "available" : "missing", w.summary,
               w.available() ? "" : fmt::format(" [needs {}]", w.needs));
  return 0;
}

// --runs N: N separate processes of this binary, one after the other; prints each record (--json)
// or the median and min-max of every figure.
int run_in_processes(const BenchArgs& a) {
  char exe[4096];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  CAJAL_CHECK_KIND(len > 0, Runtime, "bench", "cannot find this executable's path to re-run it");
  exe[len] = '\0';
  std::string cmd = fmt::format("'{}' bench {} --json --threads {} --seed {}", exe, a.workload, a.threads, a.seed);
  if (a.steps) cmd += fmt::format(" --steps {}", a.steps);
  std::map<std::string, std::vector<double>> figures;
  for (int r = 0; r < a.runs; ++r) {
    FILE* pipe = popen(cmd.c_str(), "r");
    CAJAL_CHECK_KIND(pipe != nullptr, Runtime, "bench", "cannot start '{}'", cmd);
    std::string output;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof(buf), pipe)) output.append(buf, n);
    int status = pclose(pipe);
    CAJAL_CHECK_KIND(status == 0, Runtime, "bench", "run {} of '{}' failed (status {}): {}", r + 1, cmd, status,
                     output);
    Json rec = Json::parse(output);
    if (a.json) std::cout << rec.dump() << std::endl;
    flatten(rec, "", figures);
  }
  if (!a.json) {
    fmt::print("cajal bench {}: {} runs (separate processes), median (min-max)\n", a.workload, a.runs);
    for (auto& [k, xs] : figures) {
      auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
      fmt::print("{:>34}: {:g} ({:g}-{:g})\n", k, cajal::bench::median(xs), *lo, *hi);
    }
  }
  return 0;
}

int run_bench(const BenchArgs& a) {
  if (a.list) return list_workloads();
  if (a.workload.empty()) {
    fmt::print(stderr, "cajal bench: expected a workload ({}), or --list\n", cajal::bench::workload_names());
    return 2;
  }
  const auto* w = cajal::bench::find_workload(a.workload);
  if (!w) {
    fmt::print(stderr, "cajal bench: unknown workload '{}'; valid: {}\n", a.workload, cajal::bench::workload_names());
    return 2;
  }
  if (!w->available()) {
    Json rec = cajal::bench::run_workload(*w, {});
    if (a.json)
      std::cout << rec.dump() << std::endl;
    else
      fmt::print("{}\n", rec["message"].get<std::string>());
    return kExitUnavailable;
  }
  if (a.runs > 1) return run_in_processes(a);
  print_record(cajal::bench::run_workload(*w, {a.steps, a.threads, a.seed}), a.json);
  return 0;
}

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Run a benchmark workload of WORKLOADS.md and print its figures");
  auto args = std::make_shared<BenchArgs>();
  cmd->add_option("workload", args->workload, "The workload: " + cajal::bench::workload_names());
  cmd->add_flag("--list", args->list, "List the workloads and whether each can run yet");
  cmd->add_flag("--json", args->json, "Print only the JSON record (one line per run)");
  cmd->add_option("--runs", args->runs, "Run N times, each in its own process")->check(CLI::PositiveNumber);
  cmd->add_option("--steps", args->steps, "Override the standard step/rep count (the record says standard: false)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", args->threads, "Threads of cajal's one pool (kernels and BLAS); standard is 2")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->seed, "Seed of every random draw (init, data order, inputs)");
  cmd->callback([args] { cajal::cli::exit_code_ref() = run_bench(*args); });
});

}  // namespace
