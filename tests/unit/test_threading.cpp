// One thread pool: cajal::set_num_threads sets OpenMP and OpenBLAS together, CAJAL_NUM_THREADS sets
// the start-up value, and a BLAS call plus a threaded kernel leave exactly `n` OS threads (the caller
// and n - 1 OpenMP workers that OpenBLAS shares) — a second pool would show up as extra threads.
// The start-up checks run in a child process (this test binary re-executed with the environment
// set), because the start-up value is read once, when libcajal loads.
#include <cblas.h>
#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "support/test_support.h"

using namespace cajal;

namespace {

// Restores the thread count a test changed, so later tests see the suite's setting.
struct ThreadCountGuard {
  int saved = get_num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

int os_threads() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return -1;
}

// Runs this test binary on one test with extra environment; returns (exit status, output).
std::pair<int, std::string> run_child(const std::string& test, const std::string& env) {
  char exe[4096];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (len <= 0) return {-1, "readlink /proc/self/exe failed"};
  exe[len] = '\0';
  std::string cmd = env + " '" + std::string(exe) + "' --gtest_filter=" + test + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Work that wakes both halves of the pool: a threaded elementwise kernel (above kParallelGrain)
// and a BLAS GEMM big enough for OpenBLAS to split over threads.
void use_both_halves_of_the_pool() {
  Tensor x = ones({4 * kParallelGrain});
  Tensor y = add(x, x);
  ASSERT_EQ(y.to_vector<float>()[7], 2.0f);
  const int n = 256;
  Tensor a = ones({n, n}), b = ones({n, n}), c = empty({n, n});
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data_ptr<float>(), n, b.data_ptr<float>(),
              n, 0.0f, c.data_ptr<float>(), n);
  ASSERT_EQ(c.to_vector<float>()[5], float(n));
}

}  // namespace

TEST(Threading, SetNumThreadsSetsOpenMPAndBlas) {
  ThreadCountGuard guard;
  for (int n : {1, 2, 3}) {
    set_num_threads(n);
    EXPECT_EQ(get_num_threads(), n);
    EXPECT_EQ(blas_num_threads(), n) << "OpenBLAS did not follow set_num_threads(" << n << ")";
    EXPECT_EQ(omp_get_max_threads(), n) << "OpenMP did not follow set_num_threads(" << n << ")";
    int team = 0;
#pragma omp parallel
    {
#pragma omp single
      team = omp_get_num_threads();
    }
    EXPECT_EQ(team, n);
  }
}

TEST(Threading, RejectsNonPositiveCounts) {
  ThreadCountGuard guard;
  EXPECT_CAJAL_ERROR(set_num_threads(0), "set_num_threads", "expected a thread count >= 1", "got 0");
  EXPECT_CAJAL_ERROR(set_num_threads(-2), "set_num_threads", "got -2");
}

// Child half of the start-up tests: checks what the parent put in CAJAL_TEST_EXPECT_THREADS.
// Skipped when run directly.
TEST(Threading, StartupChild) {
  const char* expect = std::getenv("CAJAL_TEST_EXPECT_THREADS");
  if (!expect) GTEST_SKIP() << "runs only as the child of Threading.EnvironmentSetsStartupThreads";
  const int n = std::atoi(expect);
  EXPECT_EQ(get_num_threads(), n);
  EXPECT_EQ(blas_num_threads(), n);
  EXPECT_EQ(omp_get_max_threads(), n);
  use_both_halves_of_the_pool();
  // One pool: the main thread plus n - 1 OpenMP workers, which OpenBLAS (OpenMP build) reuses.
  // The pthread build of OpenBLAS would add its own n - 1 workers here.
  EXPECT_EQ(os_threads(), n) << "a second thread pool is running";
}

TEST(Threading, EnvironmentSetsStartupThreads) {
  for (int n : {1, 2, 3}) {
    auto [status, out] = run_child("Threading.StartupChild", "CAJAL_NUM_THREADS=" + std::to_string(n) +
                                                                 " CAJAL_TEST_EXPECT_THREADS=" + std::to_string(n));
    EXPECT_EQ(status, 0) << "CAJAL_NUM_THREADS=" << n << ":\n" << out;
    EXPECT_NE(out.find("[  PASSED  ] 1 test"), std::string::npos) << out;  // ran, not skipped
    EXPECT_EQ(out.find("SKIPPED"), std::string::npos) << out;
  }
}

TEST(Threading, IgnoresInvalidEnvironmentValue) {
  // An unparsable or non-positive CAJAL_NUM_THREADS falls back to the number of processors.
  const int procs = omp_get_num_procs();
  for (const char* bad : {"0", "abc", "-3"}) {
    auto [status, out] = run_child("Threading.StartupChild", std::string("CAJAL_NUM_THREADS=") + bad +
                                                                 " CAJAL_TEST_EXPECT_THREADS=" + std::to_string(procs));
    EXPECT_EQ(status, 0) << "CAJAL_NUM_THREADS=" << bad << ":\n" << out;
  }
}
