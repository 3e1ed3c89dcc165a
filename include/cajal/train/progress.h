// Progress reporting for training loops: a live one-line bar on a terminal, plain periodic lines
// otherwise (CI logs, pipes).
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace cajal::train {

class ProgressBar {
 public:
  // total_steps: steps in this epoch; samples counted for the throughput figure.
  ProgressBar(int epoch, int epochs, int64_t total_steps, FILE* out = stderr);
  // Call after each step with the running means of this epoch.
  void update(int64_t step, double loss, double accuracy, int64_t samples_seen);
  void finish(double loss, double accuracy, int64_t samples_seen);
  static bool is_tty(FILE* f);

 private:
  std::string line(int64_t step, double loss, double acc, int64_t samples, bool final) const;
  int epoch_, epochs_;
  int64_t total_;
  FILE* out_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_print_;
};

std::string format_duration(double seconds);  // "1:05", "1:02:03"

}  // namespace cajal::train
