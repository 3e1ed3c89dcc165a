// Process measurements for the benchmark records: peak RSS, wall time since exec, OS threads,
// mapped BLAS. Linux-only (/proc), like the machines the workloads are defined on.
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "workloads/workload.h"

namespace cajal::bench {

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024.0;
}

namespace {
// Value of a "Key:   123 ..." line of /proc/self/status, or -1.
long status_field(const std::string& key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() && line[key.size()] == ':')
      return std::stol(line.substr(key.size() + 1));
  return -1;
}
}  // namespace

double current_rss_mib() { return double(status_field("VmRSS")) / 1024.0; }

int os_thread_count() { return int(status_field("Threads")); }

double seconds_since_process_start() {
  // Field 22 of /proc/self/stat is the start time in clock ticks since boot (CLOCK_BOOTTIME).
  // It is read after the ')' that closes the command name, which may itself contain spaces.
  std::ifstream f("/proc/self/stat");
  std::string stat;
  std::getline(f, stat);
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i < 22; ++i) rest >> field;  // fields 3..21
  long long start_ticks = 0;
  rest >> start_ticks;
  timespec now{};
  clock_gettime(CLOCK_BOOTTIME, &now);
  return double(now.tv_sec) + now.tv_nsec * 1e-9 - double(start_ticks) / double(sysconf(_SC_CLK_TCK));
}

std::vector<std::string> blas_libraries() {
  std::set<std::string> libs;
  std::ifstream f("/proc/self/maps");
  std::string line;
  while (std::getline(f, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    std::string file = std::filesystem::path(path).filename();
    if (file.find("blas") == std::string::npos) continue;
    std::error_code ec;
    auto real = std::filesystem::canonical(path, ec);
    libs.insert(ec ? path : real.string());
  }
  return {libs.begin(), libs.end()};
}

double median(std::vector<double> xs) {
  if (xs.empty()) return 0.0;
  std::sort(xs.begin(), xs.end());
  size_t n = xs.size();
  return n % 2 ? xs[n / 2] : 0.5 * (xs[n / 2 - 1] + xs[n / 2]);
}

double round_to(double x, int digits) {
  double scale = std::pow(10.0, digits);
  return std::round(x * scale) / scale;
}

}  // namespace cajal::bench
