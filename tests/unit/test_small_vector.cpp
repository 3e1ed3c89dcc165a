// SmallVector (the Shape type): behaves like std::vector whether its elements fit inline or spill.
#include <random>

#include "support/test_support.h"

using namespace cajal;

namespace {
using Vec = SmallVector<int64_t, 4>;  // NB: a small capacity, so the tests cross the spill point often

void expect_same(const Vec& v, const std::vector<int64_t>& ref) {
  ASSERT_EQ(v.size(), ref.size());
  EXPECT_TRUE(std::equal(v.begin(), v.end(), ref.begin()));
  EXPECT_TRUE(v == Vec(ref));
}
}  // namespace

TEST(SmallVector, MatchesStdVectorUnderRandomEdits) {
  std::mt19937 rng(7);
  Vec v;
  std::vector<int64_t> ref;
  for (int step = 0; step < 4000; ++step) {
    const int op = int(rng() % 7);
    const int64_t x = int64_t(rng() % 100);
    if (op == 0 || op == 1 || ref.empty()) {
      v.push_back(x);
      ref.push_back(x);
    } else if (op == 2) {
      v.pop_back();
      ref.pop_back();
    } else if (op == 3) {
      size_t at = rng() % (ref.size() + 1);
      v.insert(v.begin() + at, x);
      ref.insert(ref.begin() + int64_t(at), x);
    } else if (op == 4) {
      size_t at = rng() % ref.size();
      v.erase(v.begin() + at);
      ref.erase(ref.begin() + int64_t(at));
    } else if (op == 5) {
      size_t n = rng() % 10;
      v.resize(n, x);
      ref.resize(n, x);
    } else {
      Vec copy = v;  // copy and move round trips, inline or spilled
      Vec moved = std::move(copy);
      v = moved;
    }
    expect_same(v, ref);
  }
}

TEST(SmallVector, CopiesAndMovesAcrossTheSpillPoint) {
  Vec small{1, 2, 3};
  Vec big{1, 2, 3, 4, 5, 6, 7};
  Vec a = big;
  a = small;  // heap -> inline
  expect_same(a, {1, 2, 3});
  a = big;  // inline -> heap
  expect_same(a, {1, 2, 3, 4, 5, 6, 7});
  Vec b = std::move(a);
  expect_same(b, {1, 2, 3, 4, 5, 6, 7});
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): documented moved-from state
  a = small;
  expect_same(a, {1, 2, 3});
  expect_same(big, {1, 2, 3, 4, 5, 6, 7});
}

TEST(SmallVector, InsertsARangeOfItself) {
  Vec v{1, 2, 3};
  v.insert(v.begin() + 1, v.begin(), v.end());  // the source range lives in v and v reallocates
  expect_same(v, {1, 1, 2, 3, 2, 3});
  v.push_back(v[0]);  // an element of v itself, across a reallocation
  expect_same(v, {1, 1, 2, 3, 2, 3, 1});
}

TEST(SmallVector, ComparesAndConvertsLikeAVector) {
  EXPECT_TRUE((Vec{1, 2}) < (Vec{1, 3}));
  EXPECT_TRUE((Vec{1, 2}) != (Vec{1, 2, 0}));
  EXPECT_EQ((Vec(3, 9)).vec(), (std::vector<int64_t>{9, 9, 9}));
  Shape s = std::vector<int64_t>{2, 3};
  EXPECT_EQ(shape_str(s), "[2, 3]");
}
