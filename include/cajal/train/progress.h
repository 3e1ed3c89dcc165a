// Progress reporting for training loops: a live one-line bar on a terminal, plain periodic lines
// otherwise (CI logs, pipes).
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "cajal/train/task.h"

namespace cajal::train {

class ProgressBar {
 public:
  // total_steps: steps in this epoch; samples counted for the throughput figure.
  ProgressBar(int epoch, int epochs, int64_t total_steps, FILE* out = stderr);
  // Call after each step with the running means of this epoch's metrics ("accuracy" and other
  // fractions print as percentages).
  void update(int64_t step, const Metrics& running, int64_t samples_seen);
  void finish(const Metrics& epoch, int64_t samples_seen);
  static bool is_tty(FILE* f);

 private:
  std::string line(int64_t step, const Metrics& m, int64_t samples, bool final) const;
  int epoch_, epochs_;
  int64_t total_;
  FILE* out_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_print_;
};

std::string format_duration(double seconds);  // "1:05", "1:02:03"
// "loss 0.4321 acc 85.10%": how the bar and the epoch lines show metrics.
std::string format_metrics(const Metrics& m);

}  // namespace cajal::train
