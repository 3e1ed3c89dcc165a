// Autograd engine: accumulation, retain_graph, in-place detection, hooks, create_graph,
// autograd::grad, jacobian, NoGradGuard, detach, and the release of saved tensors.
#include "support/test_support.h"

using namespace cajal;
using cajal::test::rand_input;

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = tensor({1.0, 2.0}, DType::f64);
  x.requires_grad_();
  (x * 3.0).sum().backward();
  (x * x).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{3 + 2, 3 + 4}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, SharedSubexpressionSumsBothPaths) {
  // f = a*b + a  with b = 2a  ->  df/da = 2a + 2a + 1 = 4a + 1
  Tensor a = scalar_tensor(3.0, DType::f64);
  a.requires_grad_();
  Tensor b = a * 2.0;
  Tensor f = a * b + a;
  f.backward();
  EXPECT_DOUBLE_EQ(a.grad().item(), 13.0);
}

TEST(Autograd, SecondBackwardWithoutRetainGraphIsAnError) {
  Tensor x = rand_input({3});
  Tensor y = exp(x).sum();
  y.backward();
  EXPECT_CAJAL_ERROR(y.backward(), "backward", "second time", "retain_graph");
}

TEST(Autograd, RetainGraphAllowsASecondBackward) {
  Tensor x = rand_input({3});
  Tensor y = exp(x).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  Tensor g1 = x.grad().clone();
  y.backward();
  EXPECT_TENSOR_NEAR(x.grad(), g1 * 2.0, 1e-12);
}

TEST(Autograd, InPlaceChangeOfASavedTensorIsDetected) {
  Tensor x = rand_input({4});
  Tensor y = x * 2.0;  // y is saved by exp (its output) and by mul below
  Tensor z = y * y;
  {
    NoGradGuard ng;
    y.mul_(3.0);  // modifies a tensor mul saved for backward
  }
  EXPECT_CAJAL_ERROR(z.sum().backward(), "backward", "modified by an in-place operation", "version");
}

TEST(Autograd, InPlaceOnLeafRequiringGradIsRejected) {
  Tensor x = rand_input({2});
  EXPECT_CAJAL_ERROR(x.mul_(2.0), "mul_", "leaf tensor that requires grad");
}

TEST(Autograd, NonScalarBackwardNeedsAGradient) {
  Tensor x = rand_input({3});
  Tensor y = x * 2.0;
  EXPECT_CAJAL_ERROR(y.backward(), "backward", "scalar outputs", "[3]");
  y.backward(ones({3}, DType::f64));
  EXPECT_TENSOR_NEAR(x.grad(), full({3}, 2.0, DType::f64), 0);
}

TEST(Autograd, GradientShapeIsChecked) {
  Tensor x = rand_input({3});
  Tensor y = x * 2.0;
  EXPECT_CAJAL_ERROR(y.backward(ones({4}, DType::f64)), "backward", "[3]", "[4]");
}

TEST(Autograd, BackwardOnATensorWithoutGradIsAnError) {
  Tensor x = tensor({1.0, 2.0});
  EXPECT_CAJAL_ERROR(x.sum().backward(), "backward", "does not require grad");
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = rand_input({3});
  NoGradGuard ng;
  Tensor y = exp(x);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_FALSE(y.grad_fn());
}

TEST(Autograd, DetachCutsTheGraphButSharesStorage) {
  Tensor x = rand_input({3});
  Tensor y = exp(x);
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.storage(), y.storage());
  (d * x).sum().backward();  // gradient only through x
  EXPECT_TENSOR_NEAR(x.grad(), d, 0);
}

TEST(Autograd, RequiresGradOnIntegerTensorIsATypeError) {
  Tensor i = arange(3.0);
  try {
    i.requires_grad_();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Type);
    EXPECT_NE(std::string(e.what()).find("int64"), std::string::npos);
  }
}

TEST(Autograd, RetainGradAndHooks) {
  Tensor x = rand_input({3});
  Tensor h = x * 2.0;
  h.retain_grad();
  int calls = 0;
  h.register_hook([&](const Tensor& g) {
    ++calls;
    return g * 10.0;  // scales what flows on to x
  });
  (h * 3.0).sum().backward();
  EXPECT_EQ(calls, 1);
  EXPECT_TENSOR_NEAR(h.grad(), full({3}, 30.0, DType::f64), 0);
  EXPECT_TENSOR_NEAR(x.grad(), full({3}, 60.0, DType::f64), 0);
}

TEST(Autograd, CreateGraphGivesSecondDerivatives) {
  // y = x^3: dy/dx = 3x^2, d2y/dx2 = 6x
  Tensor x = scalar_tensor(2.0, DType::f64);
  x.requires_grad_();
  Tensor y = pow(x, 3.0);
  auto g = autograd::grad({y}, {x}, {}, false, /*create_graph=*/true);
  EXPECT_DOUBLE_EQ(g[0].item(), 12.0);
  auto g2 = autograd::grad({g[0]}, {x});
  EXPECT_DOUBLE_EQ(g2[0].item(), 12.0);
}

TEST(Autograd, CreateGraphThroughSavedOutputs) {
  // exp saves its output: d2/dx2 exp(x) = exp(x)
  Tensor x = scalar_tensor(0.5, DType::f64);
  x.requires_grad_();
  Tensor y = exp(x);
  auto g = autograd::grad({y}, {x}, {}, false, true);
  auto g2 = autograd::grad({g[0]}, {x});
  EXPECT_NEAR(g2[0].item(), std::exp(0.5), 1e-12);
}

TEST(Autograd, GradDoesNotTouchDotGrad) {
  Tensor x = rand_input({2});
  auto g = autograd::grad({(x * x).sum()}, {x});
  EXPECT_FALSE(x.grad().defined());
  EXPECT_TENSOR_NEAR(g[0], x.detach() * 2.0, 1e-15);
}

TEST(Autograd, GradOfUnusedInputNeedsAllowUnused) {
  Tensor x = rand_input({2}), z = rand_input({2}, -1, 1, 7);
  EXPECT_CAJAL_ERROR(autograd::grad({x.sum()}, {z}), "autograd.grad", "not used");
  auto g = autograd::grad({x.sum()}, {z}, {}, false, false, /*allow_unused=*/true);
  EXPECT_FALSE(g[0].defined());
}

TEST(Autograd, SavedTensorsAreReleasedAfterBackward) {
  Tensor x = rand_input({1000});
  std::weak_ptr<TensorImpl> watch;
  Tensor loss;
  {
    Tensor y = x * 2.0;
    watch = y.impl_ptr();
    loss = (y * y).sum();  // mul saves y
  }
  EXPECT_FALSE(watch.expired());  // held by the graph
  loss.backward();
  EXPECT_TRUE(watch.expired());  // freed as soon as its node ran
}

TEST(Autograd, JacobianOfSoftmaxMatchesSpec) {
  const auto& ex = cajal::test::spec("softmax_2_1_0p1");
  Tensor x = cajal::test::json_tensor(ex["inputs"]["x"]);
  Tensor jac = autograd::jacobian([](const Tensor& v) { return softmax(v, 0); }, x);
  auto tol = cajal::test::spec_tol("softmax_2_1_0p1");
  EXPECT_TRUE(cajal::test::tensors_close(jac, cajal::test::json_tensor(ex["outputs"]["jacobian"]), tol.abs, tol.rel));
}

TEST(Autograd, GradcheckDetectsAWrongDerivative) {
  // A deliberately wrong backward (2x instead of 3x^2) must be caught: gradcheck can fail.
  auto wrong_cube = [](const std::vector<Tensor>& in) {
    Tensor x = in[0];
    Tensor out;
    {
      NoGradGuard ng;
      out = x * x * x;
    }
    autograd::Saved sx(x);
    return autograd::record(out, "wrong_cube", {x}, [sx](const Tensor& g) { return Grads{g * sx.get() * 2.0}; });
  };
  auto r = autograd::gradcheck(wrong_cube, {rand_input({3}, 0.5, 1.5)});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("analytical"), std::string::npos);
}

TEST(Autograd, LeafGradDoesNotAliasTheUpstreamGradient) {
  // reshape's backward returns a view of the incoming gradient; .grad must not share its storage,
  // or the second backward would accumulate into the caller's tensor.
  Tensor x = rand_input({4});
  Tensor G = ones({4}, DType::f64);
  x.reshape({2, 2}).backward(G.reshape({2, 2}));
  x.reshape({2, 2}).backward(G.reshape({2, 2}));
  EXPECT_TENSOR_NEAR(G, ones({4}, DType::f64), 0);
  EXPECT_TENSOR_NEAR(x.grad(), full({4}, 2.0, DType::f64), 0);
}

TEST(Autograd, DroppedOutputsDoNotLeakWithoutBackward) {
  // exp saves its own output; the graph must not keep it alive once the user drops it.
  Tensor x = rand_input({1000});
  std::weak_ptr<TensorImpl> watch;
  {
    Tensor y = exp(x);
    watch = y.impl_ptr();
  }
  EXPECT_TRUE(watch.expired());
}

TEST(Autograd, LeafKeepsOneAccumulatorAndIsNotKeptAliveByIt) {
  std::weak_ptr<TensorImpl> leaf_watch;
  std::weak_ptr<autograd::Node> acc_watch;
  {
    Tensor x = rand_input({3});
    Tensor a = mul(x, 2.0), b = mul(x, 3.0);
    // Both ops route x's gradient through the same AccumulateGrad node.
    EXPECT_EQ(a.grad_fn()->next[0].fn, b.grad_fn()->next[0].fn);
    acc_watch = a.grad_fn()->next[0].fn;
    a = Tensor();
    b = Tensor();
    EXPECT_FALSE(acc_watch.expired());  // the leaf holds it between steps
    Tensor c = mul(x, 4.0);
    EXPECT_EQ(c.grad_fn()->next[0].fn, acc_watch.lock());
    c.sum().backward();
    EXPECT_DOUBLE_EQ(x.grad().to_vector<double>()[0], 4.0);
    leaf_watch = x.impl_ptr();
  }
  EXPECT_TRUE(leaf_watch.expired());  // the node points back at the leaf weakly: no cycle
  EXPECT_TRUE(acc_watch.expired());
}

TEST(Autograd, EngineSumsABroadcastGradientBackToItsInputShape) {
  // A backward may return a gradient in the broadcast shape (add does); the engine reduces it.
  Tensor x = rand_input({3});
  Tensor out = mul(x.detach(), 1.0);
  out = autograd::record(std::move(out), "to_rows", {x}, [](const Tensor& g) {
    return Grads{ones({2, 3}, DType::f64)};  // as if x had been broadcast over 2 rows
  });
  out.sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 2, 2}));

  Tensor y = rand_input({3});
  Tensor bad = autograd::record(mul(y.detach(), 1.0), "bad_backward", {y},
                                [](const Tensor& g) { return Grads{ones({4}, DType::f64)}; });
  EXPECT_CAJAL_ERROR(bad.sum().backward(), "backward", "bad_backward", "[4]", "[3]");
}
