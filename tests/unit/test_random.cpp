// Random and creation ops: a seed fixes every random tensor whatever the thread count; the
// distributions have the right support and moments; constant/range creation gives exact values.
#include <algorithm>
#include <cmath>
#include <set>

#include "support/test_support.h"

using namespace cajal;

namespace {

// Every random creation op drawn in turn from one generator seeded with `seed`.
std::vector<Tensor> draw_all(uint64_t seed) {
  Generator g(seed);
  return {rand({1000}, DType::f32, &g),
          rand({7, 9}, DType::f64, &g),
          randn({40000}, DType::f32, &g),  // above the parallel grain: must still be serial
          randn({3, 5}, DType::f64, &g),
          uniform({50}, -2.0, 3.0, DType::f64, &g),
          normal({50}, 1.0, 0.5, DType::f32, &g),
          randint(-5, 17, {1000}, &g),
          randperm(257, &g),
          bernoulli({1000}, 0.3, DType::f32, &g),
          bernoulli(full({500}, 0.7, DType::f64), &g)};
}

struct ThreadCount {  // restores the thread count at scope exit
  int saved = get_num_threads();
  explicit ThreadCount(int n) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(saved); }
};

}  // namespace

TEST(Random, SameSeedSameTensorsForAnyThreadCount) {
  std::vector<Tensor> one, two;
  {
    ThreadCount t(1);
    one = draw_all(1234);
  }
  {
    ThreadCount t(2);
    two = draw_all(1234);
  }
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].dtype(), two[i].dtype()) << "draw " << i;
    EXPECT_TRUE(equal(one[i], two[i])) << "draw " << i;
  }
  // The default generator, reseeded, repeats itself too.
  manual_seed(99);
  Tensor a = randn({100});
  Tensor ai = randint(0, 1000, {100});
  manual_seed(99);
  Tensor b = randn({100});
  Tensor bi = randint(0, 1000, {100});
  EXPECT_TRUE(equal(a, b));
  EXPECT_TRUE(equal(ai, bi));
}

TEST(Random, DifferentSeedsDiffer) {
  auto x = draw_all(1), y = draw_all(2);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_FALSE(equal(x[i], y[i])) << "draw " << i;
  // Consecutive draws from one generator differ as well.
  Generator g(5);
  EXPECT_FALSE(equal(rand({100}, DType::f32, &g), rand({100}, DType::f32, &g)));
}

TEST(Random, RandnMoments) {
  Generator g(2024);
  for (DType dt : {DType::f32, DType::f64}) {
    Tensor x = randn({100000}, dt, &g);
    // Standard errors: mean 1/sqrt(n) = 0.0032, std about 0.0022; allow 6 of them.
    EXPECT_NEAR(mean(x).item(), 0.0, 0.02);
    EXPECT_NEAR(cajal::std(x).item(), 1.0, 0.015);
  }
  Tensor n = normal({100000}, 3.0, 0.5, DType::f64, &g);
  EXPECT_NEAR(mean(n).item(), 3.0, 0.01);
  EXPECT_NEAR(cajal::std(n).item(), 0.5, 0.008);
}

TEST(Random, RandAndUniformSupport) {
  Generator g(11);
  Tensor u = rand({100000}, DType::f32, &g);
  EXPECT_GE(min(u).item(), 0.0);
  EXPECT_LT(max(u).item(), 1.0);
  EXPECT_NEAR(mean(u).item(), 0.5, 0.01);
  Tensor v = uniform({10000}, -2.0, 3.0, DType::f64, &g);
  EXPECT_GE(min(v).item(), -2.0);
  EXPECT_LT(max(v).item(), 3.0);
  EXPECT_CAJAL_ERROR(uniform({2}, 1.0, 0.0), "uniform_", "low <= high");
  EXPECT_CAJAL_ERROR(rand({2}, DType::i64), "uniform_", "floating");
}

TEST(Random, RandintWithinBoundsAndCoversThem) {
  Generator g(3);
  Tensor r = randint(-3, 5, {20000}, &g);
  EXPECT_EQ(r.dtype(), DType::i64);
  auto v = r.to_vector<int64_t>();
  std::set<int64_t> seen(v.begin(), v.end());
  EXPECT_EQ(*seen.begin(), -3);
  EXPECT_EQ(*seen.rbegin(), 4);  // high is exclusive
  EXPECT_EQ(seen.size(), 8u);    // every value in [-3, 5) appears
  EXPECT_EQ(randint(7, 8, {5}, &g).to_vector<int64_t>(), (std::vector<int64_t>{7, 7, 7, 7, 7}));
  EXPECT_CAJAL_ERROR(randint(5, 5, {1}), "randint", "low < high");
}

TEST(Random, RandpermIsAPermutation) {
  Generator g(8);
  Tensor p = randperm(1000, &g);
  EXPECT_EQ(p.dtype(), DType::i64);
  auto v = p.to_vector<int64_t>();
  std::vector<int64_t> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, arange(1000.0).to_vector<int64_t>());
  EXPECT_NE(v, sorted);  // shuffled
  EXPECT_EQ(randperm(0, &g).numel(), 0);
  EXPECT_CAJAL_ERROR(randperm(-1), "randperm", "n >= 0");
}

TEST(Random, Bernoulli) {
  Generator g(21);
  Tensor b = bernoulli({100000}, 0.3, DType::f32, &g);
  auto v = b.to_vector<float>();
  EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0f || x == 1.0f; }));
  EXPECT_NEAR(mean(b).item(), 0.3, 0.01);
  // Per-element probabilities 0 and 1 are exact.
  Tensor p = tensor({0.0, 1.0, 0.0, 1.0}, DType::f64);
  EXPECT_EQ(bernoulli(p, &g).to_vector<double>(), (std::vector<double>{0, 1, 0, 1}));
  EXPECT_EQ(bernoulli(p, &g).dtype(), DType::f64);
  EXPECT_CAJAL_ERROR(bernoulli({2}, 1.5), "bernoulli", "[0, 1]");
  EXPECT_CAJAL_ERROR(bernoulli(tensor({0.5, -0.1})), "bernoulli", "[0, 1]", "-0.1");
}

// ---------------------------------------------------------------- creation

TEST(Creation, ConstantsAndLike) {
  EXPECT_EQ(zeros({2, 3}).to_vector<float>(), std::vector<float>(6, 0.0f));
  EXPECT_EQ(zeros({2, 3}).dtype(), DType::f32);
  EXPECT_EQ(ones({4}, DType::i64).to_vector<int64_t>(), (std::vector<int64_t>{1, 1, 1, 1}));
  Tensor f = full({2, 2}, -2.5, DType::f64);
  EXPECT_EQ(f.to_vector<double>(), (std::vector<double>{-2.5, -2.5, -2.5, -2.5}));
  EXPECT_EQ(full({3}, 1.0, DType::b8).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 1}));
  Tensor s = scalar_tensor(4.0);
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_EQ(s.item(), 4.0);
  EXPECT_EQ(zeros_like(f).dtype(), DType::f64);
  EXPECT_EQ(ones_like(f).to_vector<double>(), (std::vector<double>{1, 1, 1, 1}));
  EXPECT_EQ(full_like(f, 7.0).shape(), (Shape{2, 2}));
  EXPECT_EQ(empty_like(f).shape(), (Shape{2, 2}));
  EXPECT_EQ(zeros({0, 5}).numel(), 0);
  EXPECT_CAJAL_ERROR(zeros({2, -1}), "non-negative sizes", "[2, -1]");
}

TEST(Creation, Ranges) {
  EXPECT_EQ(arange(5.0).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(5.0).dtype(), DType::i64);
  EXPECT_EQ(arange(1.0, 2.0, 0.25, DType::f64).to_vector<double>(), (std::vector<double>{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(arange(3.0, -3.0, -2.0).to_vector<int64_t>(), (std::vector<int64_t>{3, 1, -1}));
  EXPECT_EQ(arange(0.0, 1.0, 0.3, DType::f64).numel(), 4);  // ceil((1 - 0) / 0.3): 0, 0.3, 0.6, 0.9
  EXPECT_EQ(arange(2.0, 2.0).numel(), 0);
  EXPECT_CAJAL_ERROR(arange(0.0, 1.0, 0.0), "arange", "step must be nonzero");
  EXPECT_CAJAL_ERROR(arange(0.0, 5.0, -1.0), "arange", "inconsistent with step sign");
  // torch.linspace(0, 1, 5) = [0, 0.25, 0.5, 0.75, 1]; the last value is exactly `end`.
  EXPECT_EQ(linspace(0.0, 1.0, 5, DType::f64).to_vector<double>(), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  auto l = linspace(-1.0, 0.7, 7, DType::f64).to_vector<double>();
  EXPECT_EQ(l.front(), -1.0);
  EXPECT_EQ(l.back(), 0.7);
  EXPECT_NEAR(l[3], -0.15, 1e-12);
  EXPECT_EQ(linspace(3.0, 9.0, 1).to_vector<float>(), (std::vector<float>{3}));
  EXPECT_EQ(linspace(3.0, 9.0, 0).numel(), 0);
  EXPECT_CAJAL_ERROR(linspace(0.0, 1.0, -1), "linspace", "non-negative");
}

TEST(Creation, Eye) {
  EXPECT_EQ(eye(3).to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(eye(2, 3, DType::i64).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(eye(3, 2).shape(), (Shape{3, 2}));
  EXPECT_EQ(eye(3, 2).to_vector<float>(), (std::vector<float>{1, 0, 0, 1, 0, 0}));
  EXPECT_EQ(eye(0).numel(), 0);
  EXPECT_CAJAL_ERROR(eye(-2), "eye", "non-negative");
}

TEST(Creation, FromData) {
  Tensor v = tensor({1.5, -2.0, 3.0});
  EXPECT_EQ(v.shape(), (Shape{3}));
  EXPECT_EQ(v.dtype(), DType::f32);
  EXPECT_EQ(v.to_vector<float>(), (std::vector<float>{1.5f, -2.0f, 3.0f}));
  Tensor m = tensor({{1, 2, 3}, {4, 5, 6}}, DType::i64);
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_EQ(m[1][2].item(), 6.0);
  EXPECT_CAJAL_ERROR(tensor({{1, 2}, {3}}), "tensor", "rows of 2 values, got a row of 1");
  Tensor fv = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2}, DType::f64);
  EXPECT_EQ(fv[2][0].item(), 5.0);
  EXPECT_EQ(from_vector(std::vector<float>{1, 2}, {2}).dtype(), DType::f32);
  EXPECT_EQ(from_vector(std::vector<int64_t>{7, 8}, {1, 2}).to_vector<int64_t>(), (std::vector<int64_t>{7, 8}));
  EXPECT_CAJAL_ERROR(from_vector(std::vector<double>{1, 2, 3}, {2, 2}), "from_vector",
                     "shape [2, 2] needs 4 values, got 3");
}
