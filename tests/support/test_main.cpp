// GoogleTest main for every tier: picks OpenBLAS's proper kernels first (see blas_env.h).
#include <gtest/gtest.h>

#include "cajal/core/blas_env.h"

int main(int argc, char** argv) {
  cajal::reexec_with_blas_coretype(argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
