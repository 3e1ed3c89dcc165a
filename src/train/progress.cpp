// Progress bar: redraws at most ~10 times a second on a TTY, one line every ~5 s otherwise.
#include "cajal/train/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>

namespace cajal::train {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  int64_t t = int64_t(s + 0.5);
  if (t >= 3600) return fmt::format("{}:{:02}:{:02}", t / 3600, (t / 60) % 60, t % 60);
  return fmt::format("{}:{:02}", t / 60, t % 60);
}

std::string format_metrics(const Metrics& m) {
  std::string s;
  for (const auto& [name, v] : m.values()) {
    if (!s.empty()) s += ' ';
    if (name == "accuracy")
      s += fmt::format("acc {:.2f}%", 100.0 * v);
    else
      s += fmt::format("{} {:.4f}", name, v);
  }
  return s;
}

bool ProgressBar::is_tty(FILE* f) { return isatty(fileno(f)) != 0; }

ProgressBar::ProgressBar(int epoch, int epochs, int64_t total_steps, FILE* out)
    : epoch_(epoch), epochs_(epochs), total_(total_steps), out_(out), tty_(is_tty(out)) {
  start_ = last_print_ = std::chrono::steady_clock::now();
}

std::string ProgressBar::line(int64_t step, const Metrics& m, int64_t samples, bool final) const {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? double(samples) / elapsed : 0.0;
  double eta = step > 0 ? elapsed * double(total_ - step) / double(step) : NAN;
  constexpr int kWidth = 24;
  int filled = total_ > 0 ? int(kWidth * step / total_) : kWidth;
  std::string bar = std::string(size_t(filled), '#') + std::string(size_t(kWidth - filled), '.');
  return fmt::format("epoch {}/{} [{}] {}/{} {} {:.0f} samples/s {} {}", epoch_, epochs_, bar, step, total_,
                     format_metrics(m), rate, final ? "took" : "ETA",
                     format_duration(final ? elapsed : eta));
}

void ProgressBar::update(int64_t step, const Metrics& m, int64_t samples) {
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_print_).count();
  if (tty_) {
    if (since < 0.1 && step != total_) return;
    fmt::print(out_, "\r{}\x1b[K", line(step, m, samples, false));
    std::fflush(out_);
  } else {
    if (since < 5.0) return;
    fmt::print(out_, "{}\n", line(step, m, samples, false));
    std::fflush(out_);
  }
  last_print_ = now;
}

void ProgressBar::finish(const Metrics& m, int64_t samples) {
  fmt::print(out_, "{}{}\n", tty_ ? "\r" : "", line(total_, m, samples, true));
  if (tty_) fmt::print(out_, "\x1b[K");
  std::fflush(out_);
}

}  // namespace cajal::train
