// nn::Embedding and nn::EmbeddingBag: torch's initialisation (N(0, 1), padding row zero),
// from_pretrained with freeze, max_norm renormalisation, bag sum / mean with padding left out.
#include <cmath>

#include "cajal/nn/embedding.h"
#include "cajal/nn/sequential.h"
#include "support/test_support.h"

using namespace cajal;
using cajal::test::vals;

namespace {
Tensor i64(std::vector<int64_t> v, const Shape& shape) { return from_vector(v, shape); }
}  // namespace

TEST(NnEmbedding, InitialisationAndParameters) {
  Generator gen(3);
  nn::Embedding e(nn::EmbeddingOptions(400, 5).padding_idx(7).generator(&gen));
  auto params = e.named_parameters();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(e.weight.shape(), (Shape{400, 5}));
  EXPECT_EQ(vals(select(e.weight, 0, 7)), (std::vector<double>(5, 0.0)));
  const double m = vals(mean(e.weight))[0], s = vals(cajal::std(e.weight))[0];
  EXPECT_NEAR(m, 0.0, 0.1);  // N(0, 1) over 2000 draws
  EXPECT_NEAR(s, 1.0, 0.1);
  EXPECT_EQ(e.extra_repr(), "400, 5, padding_idx=7");
}

TEST(NnEmbedding, ForwardBackwardInSequential) {
  auto e = std::make_shared<nn::Embedding>(nn::EmbeddingOptions(4, 3).padding_idx(0).dtype(DType::f64));
  nn::Sequential net;
  net.push_back(e);
  Tensor y = net.forward(i64({0, 2, 2}, {1, 3}));
  EXPECT_EQ(y.shape(), (Shape{1, 3, 3}));
  sum(y).backward();
  EXPECT_EQ(vals(e->weight.grad()), (std::vector<double>{0, 0, 0, 0, 0, 0, 2, 2, 2, 0, 0, 0}));
}

TEST(NnEmbedding, FromPretrainedFreezes) {
  Tensor table = arange(6.0, DType::f64).reshape({3, 2});
  auto frozen = nn::Embedding::from_pretrained(table);
  EXPECT_FALSE(frozen->weight.requires_grad());
  EXPECT_EQ(vals(frozen->forward(i64({2, 0}, {2}))), (std::vector<double>{4, 5, 0, 1}));
  auto trainable = nn::Embedding::from_pretrained(table, /*freeze=*/false, 1);
  EXPECT_TRUE(trainable->weight.requires_grad());
  EXPECT_EQ(vals(select(trainable->weight, 0, 1)), (std::vector<double>{2, 3}));  // the given row is kept
  EXPECT_CAJAL_ERROR(nn::Embedding::from_pretrained(zeros({3})), "from_pretrained", "2-D");
}

TEST(NnEmbedding, MaxNormRenormalisesLookedUpRowsOnly) {
  // torch: e = nn.Embedding.from_pretrained(tensor([[3., 4.], [0.3, 0.4], [6., 8.]]), max_norm=1.0);
  // e(tensor([0, 1])) = [[0.6, 0.8], [0.3, 0.4]] (times 5/(5+1e-7)); row 2 is untouched.
  auto e = nn::Embedding::from_pretrained(from_vector({3, 4, 0.3, 0.4, 6, 8}, {3, 2}, DType::f64), true,
                                          std::nullopt, 1.0);
  Tensor y = e->forward(i64({0, 1}, {2}));
  const double k = 5.0 / (5.0 + 1e-7);
  std::vector<double> got = vals(y), want = {3 * k / 5, 4 * k / 5, 0.3, 0.4};
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(got[i], want[i], 1e-12);
  EXPECT_EQ(vals(select(e->weight, 0, 2)), (std::vector<double>{6, 8}));
}

TEST(NnEmbeddingBag, SumAndMeanLeavePaddingOut) {
  nn::EmbeddingBag sum_bag(nn::EmbeddingBagOptions(4, 2).mode(nn::BagMode::Sum).padding_idx(3).dtype(DType::f64));
  nn::EmbeddingBag mean_bag(nn::EmbeddingBagOptions(4, 2).padding_idx(3).dtype(DType::f64));
  {
    NoGradGuard no_grad;
    sum_bag.weight.copy_(arange(8.0, DType::f64).reshape({4, 2}));
    mean_bag.weight.copy_(arange(8.0, DType::f64).reshape({4, 2}));
  }
  Tensor idx = i64({0, 1, 3, 3, 3, 3, 2, 2, 2}, {3, 3});
  // rows: 0=[0,1] 1=[2,3] 2=[4,5] 3=padding
  EXPECT_EQ(vals(sum_bag.forward(idx)), (std::vector<double>{2, 4, 0, 0, 12, 15}));
  Tensor m = mean_bag.forward(idx);
  EXPECT_EQ(vals(m), (std::vector<double>{1, 2, 0, 0, 4, 5}));
  sum(m).backward();
  EXPECT_EQ(vals(mean_bag.weight.grad()), (std::vector<double>{0.5, 0.5, 0.5, 0.5, 1, 1, 0, 0}));
  EXPECT_CAJAL_ERROR(sum_bag.forward(i64({0}, {1})), "EmbeddingBag", "2-D indices");
}
