// The coverage check: every op of the op table (cajal/ops/op_list.h) has a test row, i.e. some
// tests/ops file declares CAJAL_OP_COVERED(name) next to its value and gradcheck tests.
#include "support/test_support.h"

TEST(OpCoverage, EveryOpHasATestRow) {
  std::vector<std::string> missing;
  for (const auto& info : cajal::kOpTable)
    if (!cajal::test::covered_ops().count(info.name)) missing.push_back(info.name);
  std::cout << "op coverage: " << (cajal::kOpCount - int(missing.size())) << "/" << cajal::kOpCount << "\n";
  EXPECT_TRUE(missing.empty()) << "ops without a test row: " << fmt::format("{}", fmt::join(missing, ", "));
}
