// Tensor core: layout, views, broadcasting arithmetic, autograd basics, allocator reuse.
#include "support/test_support.h"

using namespace cajal;

TEST(TensorCore, ViewsShareStorage) {
  Tensor a = arange(12.0, DType::f32).reshape({3, 4});
  Tensor t = a.t();
  EXPECT_EQ(t.shape(), (Shape{4, 3}));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.storage(), a.storage());
  EXPECT_EQ(t.contiguous().to_vector<float>()[1], 4.0f);
  Tensor s = a.slice(1, 1, 3);
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{1, 2, 5, 6, 9, 10}));
  EXPECT_EQ(a.select(0, 2).to_vector<float>(), (std::vector<float>{8, 9, 10, 11}));
}

TEST(TensorCore, BroadcastAdd) {
  Tensor a = tensor({{1, 2, 3}, {4, 5, 6}});
  Tensor b = tensor({10, 20, 30});
  EXPECT_EQ((a + b).to_vector<float>(), (std::vector<float>{11, 22, 33, 14, 25, 36}));
  EXPECT_CAJAL_ERROR(add(a, tensor({1, 2})), "add", "[2, 3]", "[2]", "not broadcastable");
}

TEST(TensorCore, SimpleBackward) {
  Tensor x = tensor({1.0, 2.0, 3.0}, DType::f64);
  x.requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 4, 6}));
}

TEST(TensorCore, AllocatorReusesBuffers) {
  { Tensor warm = empty({1000}); }
  auto before = allocator::stats();
  for (int i = 0; i < 10; ++i) {
    Tensor t = empty({1000});
  }
  auto after = allocator::stats();
  EXPECT_EQ(after.system_allocs, before.system_allocs);
  EXPECT_EQ(after.cache_hits - before.cache_hits, 10u);
}

TEST(TensorCore, UndefinedHandlesThrowInsteadOfCrashing) {
  Tensor t;
  EXPECT_CAJAL_ERROR(t.dtype(), "Tensor", "undefined");
  EXPECT_CAJAL_ERROR(t.requires_grad(), "undefined");
  EXPECT_CAJAL_ERROR(t.zero_grad(), "undefined");
  EXPECT_CAJAL_ERROR(t.detach(), "undefined");
  EXPECT_CAJAL_ERROR(add(t, ones({1})), "add", "defined");
  EXPECT_CAJAL_ERROR(t.data_ptr<float>(), "data_ptr", "undefined");
}
