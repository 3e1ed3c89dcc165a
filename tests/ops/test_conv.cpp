// Convolution and pooling: the notes' worked convolutions, hand-checked pooling, float64 gradchecks
// (including second derivatives through conv2d, which go through unfold/fold), the fused backward
// against the op-composed one, and the errors.
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::test;

namespace {
Tensor as_image(const nlohmann::json& j) {  // (H, W) -> (1, 1, H, W)
  Tensor t = json_tensor(j);
  return t.reshape({1, 1, t.size(0), t.size(1)});
}
}  // namespace

TEST(Conv, WorkedExampleVerticalEdge6x6) {
  const auto& ex = spec("conv2d_edge_6x6");
  Tensor y = conv2d(as_image(ex["inputs"]["image"]), as_image(ex["inputs"]["kernel"]));
  EXPECT_TENSOR_NEAR(y.reshape({4, 4}), json_tensor(ex["outputs"]["output"]), 0);
  // A true (flipped-kernel) convolution is the cross-correlation with the kernel turned 180 degrees.
  std::vector<double> k = vals(json_tensor(ex["inputs"]["kernel"])), rot(k.rbegin(), k.rend());
  Tensor y_true = conv2d(as_image(ex["inputs"]["image"]), from_vector(rot, {1, 1, 3, 3}, DType::f64));
  EXPECT_TENSOR_NEAR(y_true.reshape({4, 4}), json_tensor(ex["outputs"]["true_convolution_flipped_kernel"]), 0);
}

TEST(Conv, WorkedExamplePadding1Stride2) {
  const auto& ex = spec("conv2d_pad1_stride2_5x5");
  Tensor y = conv2d(as_image(ex["inputs"]["image"]), as_image(ex["inputs"]["kernel"]), Tensor(), {2, 2}, {1, 1});
  EXPECT_TENSOR_NEAR(y.reshape({3, 3}), json_tensor(ex["outputs"]["output"]), 0);
}

TEST(Conv, WorkedExampleOutputSizes) {
  const auto& ex = spec("conv_output_size_formula");
  for (const auto& c : ex["inputs"]["cases_[name,n,f,p,s]"]) {
    const std::string name = c[0];
    const int64_t n = c[1], f = c[2], p = c[3], s = c[4];
    Tensor y = conv2d(zeros({1, 1, n, n}, DType::f32), zeros({1, 1, f, f}, DType::f32), Tensor(), {s, s}, {p, p});
    EXPECT_EQ(y.size(2), ex["outputs"]["output_size"][name].get<int64_t>()) << name;
    EXPECT_EQ(y.size(3), y.size(2)) << name;
  }
}

TEST(Conv, BiasGroupsAndDilationByHand) {
  // Two groups of one channel each; dilation 2 reads every other pixel.
  Tensor x = arange(0.0, 32.0, 1.0, DType::f64).reshape({1, 2, 4, 4});
  Tensor w = tensor({1.0, 1.0, 1.0, 1.0, 2.0, 0.0, 0.0, 0.0}, DType::f64).reshape({2, 1, 2, 2});
  Tensor b = tensor({0.5, -1.0}, DType::f64);
  Tensor y = conv2d(x, w, b, {1, 1}, {0, 0}, {2, 2}, 2);
  ASSERT_EQ(y.shape(), (Shape{1, 2, 2, 2}));
  // channel 0: x[i,j] + x[i,j+2] + x[i+2,j] + x[i+2,j+2] + 0.5; channel 1: 2 x[16 + 4i + j] - 1
  EXPECT_EQ(vals(y), (std::vector<double>{20.5, 24.5, 36.5, 40.5, 31, 33, 39, 41}));
}

TEST(Conv, UnfoldFoldAreAdjoint) {
  // <unfold(x), c> == <x, fold(c)> for random x, c: the identity their gradients rest on.
  Tensor x = rand_input({2, 3, 6, 5}, -1, 1, 11).detach();
  Tensor cols = unfold(x, {3, 2}, {1, 2}, {1, 0}, {2, 1});
  Tensor c = rand_input(cols.shape(), -1, 1, 12).detach();
  Tensor back = fold(c, {6, 5}, {3, 2}, {1, 2}, {1, 0}, {2, 1});
  EXPECT_NEAR(sum(mul(cols, c)).item(), sum(mul(x, back)).item(), 1e-12);
}

TEST(Conv, PoolingByHand) {
  Tensor x = tensor({{1, 5, 2, 0}, {3, 4, 8, 1}, {0, 9, 2, 2}, {7, 1, 3, 6}}, DType::f64).reshape({1, 1, 4, 4});
  EXPECT_EQ(vals(max_pool2d(x, {2, 2})), (std::vector<double>{5, 8, 9, 6}));
  EXPECT_EQ(vals(avg_pool2d(x, {2, 2})), (std::vector<double>{13.0 / 4, 11.0 / 4, 17.0 / 4, 13.0 / 4}));
  // Padding: max ignores it (-inf), avg counts it as zeros.
  EXPECT_EQ(vals(max_pool2d(x, {3, 3}, {3, 3}, {1, 1})), (std::vector<double>{5, 8, 9, 6}));
  EXPECT_DOUBLE_EQ(vals(avg_pool2d(x, {3, 3}, {3, 3}, {1, 1}))[0], 13.0 / 9);
  // The gradient goes to each window's first maximum.
  Tensor xg = tensor({{2, 2}, {1, 0}}, DType::f64).reshape({1, 1, 2, 2});
  xg.requires_grad_();
  max_pool2d(xg, {2, 2}).sum().backward();
  EXPECT_EQ(vals(xg.grad()), (std::vector<double>{1, 0, 0, 0}));
}

TEST(Conv, Gradchecks) {
  auto conv = [](Size2 s, Size2 p, Size2 d, int64_t g) {
    return [=](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], s, p, d, g); };
  };
  EXPECT_TRUE(gradcheck_ok(conv({1, 1}, {0, 0}, {1, 1}, 1),
                           {rand_input({2, 3, 5, 4}, -1, 1, 1), rand_input({2, 3, 3, 2}, -1, 1, 2), rand_input({2}, -1, 1, 3)}));
  EXPECT_TRUE(gradcheck_ok(conv({2, 1}, {1, 2}, {1, 2}, 2),
                           {rand_input({1, 4, 6, 5}, -1, 1, 4), rand_input({4, 2, 2, 2}, -1, 1, 5), rand_input({4}, -1, 1, 6)}));
  EXPECT_TRUE(gradcheck_ok(conv({1, 1}, {0, 0}, {1, 1}, 1),  // 1x1: the image is its own column matrix
                           {rand_input({3, 2, 3, 3}, -1, 1, 7), rand_input({4, 2, 1, 1}, -1, 1, 8), rand_input({4}, -1, 1, 9)}));
  // Only some inputs require grad (images never do): the backward must not touch what it did not save.
  EXPECT_TRUE(gradcheck_ok(conv({1, 1}, {1, 1}, {1, 1}, 1),
                           {rand_input({2, 3, 4, 4}, -1, 1, 20).detach(), rand_input({2, 3, 3, 3}, -1, 1, 21),
                            rand_input({2}, -1, 1, 22)}));
  EXPECT_TRUE(gradcheck_ok(conv({1, 1}, {1, 1}, {1, 1}, 1),
                           {rand_input({2, 3, 4, 4}, -1, 1, 23), rand_input({2, 3, 3, 3}, -1, 1, 24).detach(),
                            rand_input({2}, -1, 1, 25).detach()}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& in) { return unfold(in[0], {2, 3}, {2, 1}, {1, 1}, {1, 2}); },
                           {rand_input({2, 2, 5, 6}, -1, 1, 10)}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& in) { return fold(in[0], {4, 5}, {2, 2}, {1, 1}, {0, 1}, {1, 2}); },
                           {rand_input({2, 12, 9}, -1, 1, 11)}));
  // max: distinct values, so no window has a tie that finite differences would straddle.
  Tensor distinct = mul(arange(0.0, 60.0, 1.0, DType::f64).reshape({1, 3, 5, 4}), 0.1);
  distinct = index_select(distinct.reshape({60}), 0, randperm(60, nullptr)).reshape({1, 3, 5, 4});
  distinct.requires_grad_();
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& in) { return max_pool2d(in[0], {3, 2}, {2, 1}, {1, 1}); },
                           {distinct}));
  EXPECT_TRUE(gradcheck_ok([](const std::vector<Tensor>& in) { return avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}); },
                           {rand_input({2, 2, 5, 6}, -1, 1, 12)}));
}

TEST(Conv, SecondDerivativesThroughConv2d) {
  // The gradient of sum(conv2d(x, w)^2) w.r.t. x and w, recorded (create_graph), differentiated again.
  auto grad_norms = [](const std::vector<Tensor>& in) {
    GradModeGuard on(true);  // gradcheck evaluates under no-grad for its finite differences
    Tensor y = conv2d(in[0], in[1], Tensor(), {2, 1}, {1, 0}, {1, 1}, 1);
    auto g = autograd::grad({sum(mul(y, y))}, {in[0], in[1]}, {}, true, true);
    return add(sum(mul(g[0], g[0])), sum(mul(g[1], g[1])));
  };
  EXPECT_TRUE(gradcheck_ok(grad_norms, {rand_input({2, 2, 4, 3}, -1, 1, 13), rand_input({3, 2, 2, 2}, -1, 1, 14)}));
}

TEST(Conv, FusedBackwardMatchesTheComposedOne) {
  // Grad mode off in backward runs the kernels; on (create_graph) runs unfold/fold/matmul ops.
  Tensor x = rand_input({3, 4, 7, 6}, -1, 1, 15), w = rand_input({6, 2, 3, 2}, -1, 1, 16), b = rand_input({6}, -1, 1, 17);
  auto run = [&](bool create_graph) {
    Tensor y = conv2d(x, w, b, {2, 1}, {1, 1}, {1, 2}, 2);
    return autograd::grad({sum(mul(y, y))}, {x, w, b}, {}, create_graph, create_graph);
  };
  auto fused = run(false), composed = run(true);
  for (size_t i = 0; i < 3; ++i) EXPECT_TENSOR_NEAR(fused[i], composed[i].detach(), 1e-10);
}

TEST(Conv, SameResultForOneAndTwoThreads) {
  Tensor x = rand_input({5, 3, 9, 8}, -1, 1, 18).detach().to(DType::f32);
  Tensor w = rand_input({4, 3, 3, 3}, -1, 1, 19).detach().to(DType::f32);
  const int before = get_num_threads();
  set_num_threads(1);
  Tensor y1 = conv2d(x, w);
  set_num_threads(2);
  Tensor y2 = conv2d(x, w);
  set_num_threads(before);
  EXPECT_TENSOR_NEAR(y1, y2, 0);
}

TEST(Conv, ClearErrors) {
  Tensor x = zeros({1, 3, 5, 5}), w = zeros({2, 3, 3, 3});
  EXPECT_CAJAL_ERROR(conv2d(zeros({3, 5}), w), "conv2d", "3-D (C, H, W) or 4-D", "[3, 5]");
  EXPECT_CAJAL_ERROR(conv2d(x, zeros({2, 4, 3, 3})), "conv2d", "4 input channels per group", "has 3");
  EXPECT_CAJAL_ERROR(conv2d(x, zeros({2, 3, 7, 7})), "conv2d", "too small", "7x7");
  EXPECT_CAJAL_ERROR(conv2d(x, w, zeros({3})), "conv2d", "bias has shape [3]", "expected [2]");
  EXPECT_CAJAL_ERROR(conv2d(x, w, Tensor(), {0, 1}), "conv2d", "positive stride", "(0, 1)");
  EXPECT_CAJAL_ERROR(conv2d(x, zeros({2, 1, 3, 3}), Tensor(), {1, 1}, {0, 0}, {1, 1}, 2), "conv2d", "divisible by groups");
  EXPECT_CAJAL_ERROR(conv2d(x, w.to(DType::f64)), "conv2d", "dtype float32", "got float64");
  EXPECT_CAJAL_ERROR(fold(zeros({1, 8, 5}), {4, 4}, {2, 2}), "fold", "expected 9 windows", "got 5");
  EXPECT_CAJAL_ERROR(max_pool2d(x, {2, 2}, {2, 2}, {2, 2}), "max_pool2d", "at most half the kernel size");
  EXPECT_CAJAL_ERROR(avg_pool2d(zeros({1, 1, 2, 2}, DType::i64), {2, 2}), "avg_pool2d", "floating-point");
}

TEST(Conv, StridedOperandsGiveTheSameResult) {
  // Non-contiguous input, weight and bias (views into larger tensors) are read correctly.
  Tensor big_x = rand_input({2, 6, 7, 6}, -1, 1, 26).detach(), big_w = rand_input({4, 3, 3, 6}, -1, 1, 27).detach();
  Tensor big_b = rand_input({8}, -1, 1, 28).detach();
  Tensor x = big_x.slice(1, 0, 6, 2), w = big_w.slice(3, 0, 6, 2), b = big_b.slice(0, 0, 8, 2);
  ASSERT_FALSE(x.is_contiguous() || w.is_contiguous() || b.is_contiguous());
  EXPECT_TENSOR_NEAR(conv2d(x, w, b, {1, 1}, {1, 1}), conv2d(x.contiguous(), w.contiguous(), b.contiguous(), {1, 1}, {1, 1}),
                     0);
}

TEST(Conv, MultiplyCountMatchesTheOutputSize) {
  // oh ow O (C / groups) kh kw: every output element is one dot product of (C / groups) kh kw terms.
  Tensor y = conv2d(zeros({1, 6, 11, 9}), zeros({4, 3, 3, 2}), Tensor(), {2, 1}, {1, 0}, {1, 2}, 2);
  EXPECT_EQ(conv2d_multiplies({11, 9}, {4, 3, 3, 2}, {2, 1}, {1, 0}, {1, 2}), y.numel() * 3 * 3 * 2);
  EXPECT_CAJAL_ERROR(conv2d_multiplies({2, 2}, {1, 1, 3, 3}), "conv2d_multiplies", "too small");
}
