// GoogleTest main for every tier: picks OpenBLAS's proper kernels first (see blas_env.h), then
// takes `--op NAME` (or `--op=NAME`) as ggml's test-backend-ops does: only the op harness's rows of
// NAME run (tests/ops/op_harness.h), and unless a --gtest_filter is given, only the harness tests.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "cajal/core/blas_env.h"
#include "support/test_support.h"

int main(int argc, char** argv) {
  cajal::reexec_with_runtime_env(argv);
  ::testing::InitGoogleTest(&argc, argv);  // removes the --gtest_* flags it knows
  bool has_filter = ::testing::GTEST_FLAG(filter) != "*";
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--op") == 0 && i + 1 < argc) {
      cajal::test::set_op_filter(argv[++i]);
    } else if (std::strncmp(argv[i], "--op=", 5) == 0) {
      cajal::test::set_op_filter(argv[i] + 5);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (!cajal::test::op_filter().empty() && !has_filter) ::testing::GTEST_FLAG(filter) = "OpTable.*";
  return RUN_ALL_TESTS();
}
