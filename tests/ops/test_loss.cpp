// Losses: values against PyTorch 1.13 (every reduction, ignore_index, label smoothing, probability
// targets, the (N, C, d) form), float64 gradchecks for input and target, second derivatives through
// the composite backward, the KL worked example, and the bad-input messages.
#include <cmath>

#include "support/test_support.h"

using namespace cajal;
using namespace cajal::test;

namespace {

constexpr DType f64 = DType::f64;
const Reduction kReductions[] = {Reduction::None, Reduction::Sum, Reduction::Mean};

Tensor vec(std::initializer_list<double> v) { return tensor(v, f64); }

// Logits (4, 5) and class targets used by the cross-entropy / nll references below.
Tensor logits45() {
  return tensor({{1.0, 2.0, 0.5, -1.0, 0.0}, {0.3, -0.2, 2.2, 1.0, -1.5}, {-0.5, 0.0, 0.5, 1.0, 1.5}, {2.0, 2.0, -2.0, 0.1, 0.2}},
                f64);
}
Tensor targets4() { return from_vector(std::vector<int64_t>{1, 0, 4, 2}, {4}); }
// (2, 3, 4) logits: 2 sin(0..23); their targets (2, 4).
Tensor logits234() { return mul(sin(arange(24.0, DType::f64).reshape({2, 3, 4})), 2.0); }
Tensor targets24() { return from_vector(std::vector<int64_t>{0, 2, 1, 1, 2, 2, 0, 1}, {2, 4}); }

// Gradient of sum(w * f(inputs)) w.r.t. every input, recorded: gradchecking it checks second derivatives.
autograd::TensorFn grad_of(const autograd::TensorFn& f, size_t wrt = 0) {
  return [f, wrt](const std::vector<Tensor>& in) {
    GradModeGuard on(true);
    Tensor y = f(in);
    Tensor w = linspace(0.5, 1.5, y.numel(), DType::f64).reshape(y.shape());
    return autograd::grad({sum(mul(y, w))}, {in[wrt]}, {}, true, /*create_graph=*/true)[0];
  };
}

}  // namespace

// ---------------------------------------------------------------- elementwise losses

TEST(Loss, MseAndL1Values) {
  // torch: F.mse_loss / F.l1_loss(x, t, reduction=...) on these x, t.
  Tensor x = tensor({{0.5, -1.0, 2.0}, {1.5, 0.0, -0.5}}, f64), t = tensor({{1.0, 0.0, 2.0}, {-1.0, 0.5, 0.5}}, f64);
  EXPECT_TENSOR_NEAR(mse_loss(x, t, Reduction::None), tensor({{0.25, 1.0, 0.0}, {6.25, 0.25, 1.0}}, f64), 1e-15);
  EXPECT_DOUBLE_EQ(mse_loss(x, t, Reduction::Sum).item(), 8.75);
  EXPECT_NEAR(mse_loss(x, t).item(), 1.4583333333333333, 1e-15);
  EXPECT_TENSOR_NEAR(l1_loss(x, t, Reduction::None), tensor({{0.5, 1.0, 0.0}, {2.5, 0.5, 1.0}}, f64), 1e-15);
  EXPECT_DOUBLE_EQ(l1_loss(x, t, Reduction::Sum).item(), 5.5);
  EXPECT_NEAR(l1_loss(x, t).item(), 0.9166666666666666, 1e-15);
  // float32, and a transposed input against a transposed target.
  EXPECT_NEAR(mse_loss(x.to(DType::f32), t.to(DType::f32)).item(), 1.4583333, 1e-6);
  EXPECT_NEAR(mse_loss(x.t(), t.t()).item(), 1.4583333333333333, 1e-15);
}

TEST(Loss, BinaryCrossEntropyValues) {
  // torch: F.binary_cross_entropy(p, t, reduction='none'); log terms clamp at -100 (p = 0, t = 1 -> 100).
  Tensor p = vec({0.9, 0.2, 0.0, 1.0, 0.5, 0.0}), t = vec({1, 0, 0, 1, 0.3, 1});
  EXPECT_TENSOR_NEAR(binary_cross_entropy(p, t, Reduction::None),
                     vec({0.10536051565782628, 0.2231435513142097, 0.0, 0.0, 0.6931471805599453, 100.0}), 1e-14);
  EXPECT_NEAR(binary_cross_entropy(p, t).item(), 16.836941874588664, 1e-13);
  // torch: F.binary_cross_entropy_with_logits(z, t, reduction='none'): no overflow at +-30, 40.
  Tensor z = vec({-30, -1, 0, 2, 40}), zt = vec({0, 1, 0.5, 1, 0});
  EXPECT_TENSOR_NEAR(binary_cross_entropy_with_logits(z, zt, Reduction::None),
                     vec({9.348077867343381e-14, 1.3132616875182228, 0.6931471805599453, 0.1269280110429726, 40.0}),
                     1e-14);
  EXPECT_NEAR(binary_cross_entropy_with_logits(z, zt, Reduction::Sum).item(), 42.13333687912123, 1e-12);
  // Same value as bce(sigmoid(z)) where that is representable.
  Tensor zz = vec({-2, -0.5, 0.3, 1.7});
  Tensor tt = vec({0.1, 1, 0, 0.6});
  EXPECT_NEAR(binary_cross_entropy_with_logits(zz, tt).item(), binary_cross_entropy(sigmoid(zz), tt).item(), 1e-14);
}

TEST(Loss, KlDivValues) {
  // torch: F.kl_div(log q, p, reduction=...); a p = 0 term contributes 0.
  Tensor log_q = log(vec({0.2, 0.3, 0.5, 0.25})), p = vec({0.0, 0.5, 0.25, 0.25});
  EXPECT_TENSOR_NEAR(kl_div(log_q, p, Reduction::None), vec({0.0, 0.2554128118829954, -0.17328679513998632, 0.0}),
                     1e-15);
  EXPECT_NEAR(kl_div(log_q, p).item(), 0.020531504185752274, 1e-15);  // mean over all elements
  EXPECT_NEAR(kl_div(log_q, log(vec({0.1, 0.5, 0.25, 0.15})), Reduction::Sum, /*log_target=*/true).item(),
              -0.06381254487788406, 1e-15);
}

TEST(Loss, WorkedExampleKlDivergenceBinomialUniform) {
  const auto& ex = spec("kl_divergence_binomial_uniform");
  Tol tol = spec_tol("kl_divergence_binomial_uniform");
  Tensor P = json_tensor(ex["inputs"]["P"]), Q = json_tensor(ex["inputs"]["Q"]);
  const auto& out = ex["outputs"];
  // kl_div(input = log q, target = p) = sum p (log p - log q) = KL(P || Q).
  EXPECT_TRUE(tensors_close(kl_div(log(Q), P, Reduction::Sum), json_tensor(out["KL_P_Q"]), tol.abs, tol.rel));
  EXPECT_TRUE(tensors_close(kl_div(log(P), Q, Reduction::Sum), json_tensor(out["KL_Q_P"]), tol.abs, tol.rel));
  EXPECT_TRUE(tensors_close(kl_div(log(Q), P, Reduction::None), json_tensor(out["terms_P_Q"]), tol.abs, tol.rel));
  EXPECT_TRUE(tensors_close(kl_div(log(P), Q, Reduction::None), json_tensor(out["terms_Q_P"]), tol.abs, tol.rel));
  EXPECT_TRUE(tensors_close(kl_div(log(P), log(Q), Reduction::Sum, /*log_target=*/true), json_tensor(out["KL_Q_P"]),
                            tol.abs, tol.rel));
  Tol tol32 = spec_tol("kl_divergence_binomial_uniform", true);
  EXPECT_TRUE(tensors_close(kl_div(log(Q.to(DType::f32)), P.to(DType::f32), Reduction::Sum), json_tensor(out["KL_P_Q"]),
                            tol32.abs, tol32.rel));
}

TEST(Loss, GradcheckElementwiseLossesInputAndTarget) {
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&, const Tensor&, Reduction)> f;
    double lo, hi;  // input range (targets in [0.05, 0.95])
  };
  std::vector<Case> cases = {
      {"mse_loss", [](const Tensor& x, const Tensor& t, Reduction r) { return mse_loss(x, t, r); }, -1, 1},
      {"l1_loss", [](const Tensor& x, const Tensor& t, Reduction r) { return l1_loss(x, t, r); }, 1.0, 2.0},
      {"binary_cross_entropy", [](const Tensor& x, const Tensor& t, Reduction r) { return binary_cross_entropy(x, t, r); },
       0.05, 0.95},
      {"binary_cross_entropy_with_logits",
       [](const Tensor& x, const Tensor& t, Reduction r) { return binary_cross_entropy_with_logits(x, t, r); }, -3, 3},
      {"kl_div", [](const Tensor& x, const Tensor& t, Reduction r) { return kl_div(x, t, r); }, -3, 0},
      {"kl_div(log_target)", [](const Tensor& x, const Tensor& t, Reduction r) { return kl_div(x, log(t), r, true); },
       -3, 0},
  };
  for (const auto& c : cases) {
    for (Reduction r : kReductions) {
      auto f = c.f;
      auto fn = [f, r](const std::vector<Tensor>& in) { return f(in[0], in[1], r); };
      EXPECT_TRUE(gradcheck_ok(fn, {rand_input({2, 3}, c.lo, c.hi, 1), rand_input({2, 3}, 0.05, 0.95, 2)})) << c.name;
      // Non-contiguous input and target.
      auto fnt = [f, r](const std::vector<Tensor>& in) { return f(in[0].t(), in[1].slice(1, 0, 6, 2), r); };
      EXPECT_TRUE(gradcheck_ok(fnt, {rand_input({3, 2}, c.lo, c.hi, 3), rand_input({2, 6}, 0.05, 0.95, 4)})) << c.name;
    }
    // Second derivatives w.r.t. the input and the target (composite backward).
    auto f = c.f;
    auto fn = [f](const std::vector<Tensor>& in) { return f(in[0], in[1], Reduction::Mean); };
    std::vector<Tensor> in = {rand_input({2, 3}, c.lo, c.hi, 5), rand_input({2, 3}, 0.05, 0.95, 6)};
    if (std::string(c.name) != "l1_loss") {  // l1'' = 0 and sign() has no graph
      EXPECT_TRUE(gradcheck_ok(grad_of(fn, 0), in)) << c.name << " d2/dx";
      EXPECT_TRUE(gradcheck_ok(grad_of(fn, 1), in)) << c.name << " d2/dt";
    }
  }
}

TEST(Loss, ElementwiseLossErrors) {
  EXPECT_CAJAL_ERROR(mse_loss(zeros({2, 3}), zeros({3})), "mse_loss: target shape [3] does not match input shape [2, 3]");
  EXPECT_CAJAL_ERROR(l1_loss(zeros({2}), zeros({2}, DType::i64)), "l1_loss", "expected a floating target", "int64");
  EXPECT_CAJAL_ERROR(binary_cross_entropy(vec({0.5, 1.5}), vec({0, 1})), "binary_cross_entropy",
                     "probability in [0, 1]", "[0.5, 1.5]");
  EXPECT_CAJAL_ERROR(kl_div(zeros({2}, DType::i64), zeros({2})), "kl_div", "expected a floating input");
}

// ---------------------------------------------------------------- cross_entropy, nll_loss

TEST(Loss, CrossEntropyClassIndexValues) {
  Tensor L = logits45(), T = targets4();
  // torch: F.cross_entropy(L, T, reduction=...)
  EXPECT_TENSOR_NEAR(cross_entropy(L, T, {Reduction::None}),
                     vec({0.5744379396277962, 2.3486550557856365, 0.8471016458251504, 4.8472334924583285}), 1e-14);
  EXPECT_NEAR(cross_entropy(L, T, {Reduction::Sum}).item(), 8.617428133696912, 1e-14);
  EXPECT_NEAR(cross_entropy(L, T).item(), 2.154357033424228, 1e-14);
  // ignore_index = 2: that position gives 0 and the mean is over the 3 others.
  EXPECT_NEAR(cross_entropy(L, T, {Reduction::Mean, 2}).item(), 1.2567315470795275, 1e-14);
  EXPECT_TENSOR_NEAR(cross_entropy(L, T, {Reduction::None, 2}),
                     vec({0.5744379396277962, 2.3486550557856365, 0.8471016458251504, 0.0}), 1e-14);
  // label smoothing (PyTorch 1.13's definition), alone and with ignore_index.
  EXPECT_NEAR(cross_entropy(L, T, {Reduction::Mean, -100, 0.1}).item(), 2.1538570334242277, 1e-14);
  EXPECT_TENSOR_NEAR(cross_entropy(L, T, {Reduction::None, -100, 0.1}),
                     vec({0.7244379396277961, 2.3426550557856367, 0.9471016458251503, 4.601233492458328}), 1e-14);
  EXPECT_NEAR(cross_entropy(L, T, {Reduction::Mean, 2, 0.2}).item(), 1.4193982137461942, 1e-14);
  EXPECT_NEAR(cross_entropy(L, T, {Reduction::Sum, 2, 0.2}).item(), 4.258194641238583, 1e-14);
  // Unbatched: logits (C), target 0-D. torch: F.cross_entropy(L[0], torch.tensor(3))
  EXPECT_NEAR(cross_entropy(L[0], scalar_tensor(3, DType::i64)).item(), 3.574437939627796, 1e-14);
  // float32 and transposed (non-contiguous) logits.
  EXPECT_NEAR(cross_entropy(L.to(DType::f32), T).item(), 2.154357033424228, 1e-6);
  EXPECT_NEAR(cross_entropy(L.t().contiguous().t(), T).item(), 2.154357033424228, 1e-14);
}

TEST(Loss, CrossEntropyThreeDimensionalAndProbabilityTargets) {
  // (N, C, T) = (2, 3, 4) logits with (2, 4) targets. torch: F.cross_entropy(L3, T3, reduction='none')
  EXPECT_TENSOR_NEAR(cross_entropy(logits234(), targets24(), {Reduction::None}),
                     tensor({{2.1345885856492126, 1.2309666315939356, 2.514966509370452, 0.3312879835135946},
                             {0.13596377559065803, 0.3799307507217591, 0.1537430559849941, 1.3498665628642974}},
                            f64),
                     1e-14);
  EXPECT_NEAR(cross_entropy(logits234(), targets24(), {Reduction::Mean, 1, 0.1}).item(), 0.9179065098377239, 1e-14);
  // Probability targets with the logits' shape. torch: F.cross_entropy(L, P, ...)
  Tensor P = tensor({{0.1, 0.2, 0.3, 0.4, 0.0}, {1, 0, 0, 0, 0}, {0.2, 0.2, 0.2, 0.2, 0.2}, {0, 0, 0.5, 0.5, 0}}, f64);
  EXPECT_NEAR(cross_entropy(logits45(), P).item(), 2.5793570334242277, 1e-14);
  EXPECT_TENSOR_NEAR(cross_entropy(logits45(), P, {Reduction::None}),
                     vec({2.3244379396277965, 2.3486550557856365, 1.8471016458251506, 3.797233492458328}), 1e-14);
  EXPECT_NEAR(cross_entropy(logits45(), P, {Reduction::Sum, -100, 0.1}).item(), 10.145428133696914, 1e-13);
  // One-hot probabilities give the class-index loss.
  Tensor onehot = zeros({4, 5}, f64);
  for (int64_t i = 0; i < 4; ++i) onehot[i][int64_t(targets4()[i].item())].fill_(1.0);
  EXPECT_NEAR(cross_entropy(logits45(), onehot).item(), cross_entropy(logits45(), targets4()).item(), 1e-14);
}

TEST(Loss, CrossEntropyLargeBatchMatchesLogSoftmaxNll) {
  // 512 x 100 logits: the threaded path of the fused kernel, forward and backward.
  Tensor L = randn({512, 100}, f64);
  Tensor T = randint(0, 100, {512});
  Tensor a = L.clone(), b = L.clone();
  a.requires_grad_();
  b.requires_grad_();
  Tensor fused = cross_entropy(a, T, {Reduction::Mean, 7, 0.05});
  Tensor lp = log_softmax(b, 1);
  Tensor valid = ne(T, full({512}, 7, DType::i64)).to(f64);
  Tensor composite = add(mul(nll_loss(lp, T, Reduction::Mean, 7), 0.95),
                         mul(sum(mul(neg(mean(lp, {1})), valid)), 0.05 / sum(valid).item()));
  EXPECT_NEAR(fused.item(), composite.item(), 1e-12);
  fused.backward();
  composite.backward();
  EXPECT_TENSOR_NEAR(a.grad(), b.grad(), 1e-15);
}

TEST(Loss, CrossEntropyBackwardIsSoftmaxMinusOneHotOverN) {
  Tensor L = logits45();
  L.requires_grad_();
  cross_entropy(L, targets4()).backward();
  Tensor expected = softmax(L.detach(), 1);
  for (int64_t i = 0; i < 4; ++i) {
    int64_t t = int64_t(targets4()[i].item());
    expected[i][t].fill_(expected[i][t].item() - 1.0);
  }
  EXPECT_TENSOR_NEAR(L.grad(), expected / 4.0, 1e-15);
  // Ignored positions get a zero gradient row.
  Tensor L2 = logits45();
  L2.requires_grad_();
  cross_entropy(L2, targets4(), {Reduction::Mean, 2}).backward();
  EXPECT_TENSOR_NEAR(L2.grad()[3], zeros({5}, f64), 0);
}

TEST(Loss, GradcheckCrossEntropy) {
  Tensor T = targets4();
  for (Reduction r : kReductions) {
    for (CrossEntropyOptions opt : {CrossEntropyOptions{r}, CrossEntropyOptions{r, 2}, CrossEntropyOptions{r, -100, 0.1},
                                    CrossEntropyOptions{r, 0, 0.3}}) {
      auto fn = [T, opt](const std::vector<Tensor>& in) { return cross_entropy(in[0], T, opt); };
      EXPECT_TRUE(gradcheck_ok(fn, {rand_input({4, 5}, -2, 2, 1)}));
      EXPECT_TRUE(gradcheck_ok(grad_of(fn), {rand_input({4, 5}, -2, 2, 2)})) << "second derivative";
      // Transposed logits, and the (N, C, T) form.
      auto fnt = [T, opt](const std::vector<Tensor>& in) { return cross_entropy(in[0].t(), T, opt); };
      EXPECT_TRUE(gradcheck_ok(fnt, {rand_input({5, 4}, -2, 2, 3)}));
      Tensor T3 = targets24();
      auto fn3 = [T3, opt](const std::vector<Tensor>& in) { return cross_entropy(in[0], T3, opt); };
      EXPECT_TRUE(gradcheck_ok(fn3, {rand_input({2, 3, 4}, -2, 2, 4)}));
      EXPECT_TRUE(gradcheck_ok(grad_of(fn3), {rand_input({2, 3, 4}, -2, 2, 5)})) << "second derivative (N, C, T)";
    }
    // Probability targets: gradients for the logits and the target.
    auto fp = [r](const std::vector<Tensor>& in) { return cross_entropy(in[0], in[1], {r, -100, 0.1}); };
    EXPECT_TRUE(gradcheck_ok(fp, {rand_input({3, 4}, -2, 2, 6), rand_input({3, 4}, 0, 1, 7)}));
    EXPECT_TRUE(gradcheck_ok(fp, {rand_input({2, 3, 2}, -2, 2, 8), rand_input({2, 3, 2}, 0, 1, 9)}));
  }
  // Unbatched (C) logits.
  Tensor t0 = scalar_tensor(2, DType::i64);
  EXPECT_TRUE(gradcheck_ok([t0](const std::vector<Tensor>& in) { return cross_entropy(in[0], t0); },
                           {rand_input({5}, -2, 2, 10)}));
}

TEST(Loss, NllLossValuesAndGradcheck) {
  Tensor lp = log_softmax(logits45(), 1), T = targets4();
  // torch: F.nll_loss(F.log_softmax(L, 1), T, ...)
  EXPECT_NEAR(nll_loss(lp, T).item(), 2.154357033424228, 1e-14);
  EXPECT_NEAR(nll_loss(lp, T, Reduction::Sum, /*ignore_index=*/0).item(), 6.268773077911275, 1e-14);
  EXPECT_TENSOR_NEAR(nll_loss(lp, T, Reduction::None),
                     vec({0.5744379396277962, 2.3486550557856365, 0.8471016458251504, 4.8472334924583285}), 1e-14);
  // nll(log_softmax) == cross_entropy in the (N, C, T) form too.
  Tensor L3 = logits234(), T3 = targets24();
  EXPECT_TENSOR_NEAR(nll_loss(log_softmax(L3, 1), T3, Reduction::None), cross_entropy(L3, T3, {Reduction::None}), 1e-14);
  for (Reduction r : kReductions) {
    for (int64_t ignore : {int64_t(-100), int64_t(1)}) {
      auto fn = [T, r, ignore](const std::vector<Tensor>& in) { return nll_loss(in[0], T, r, ignore); };
      EXPECT_TRUE(gradcheck_ok(fn, {rand_input({4, 5}, -3, 0, 1)}));
      auto fn3 = [T3, r, ignore](const std::vector<Tensor>& in) { return nll_loss(in[0].transpose(1, 2), T3, r, ignore); };
      EXPECT_TRUE(gradcheck_ok(fn3, {rand_input({2, 4, 3}, -3, 0, 2)}));
      // nll after log_softmax, differentiated twice.
      auto chain = [T, r, ignore](const std::vector<Tensor>& in) { return nll_loss(log_softmax(in[0], 1), T, r, ignore); };
      EXPECT_TRUE(gradcheck_ok(grad_of(chain), {rand_input({4, 5}, -2, 2, 3)}));
    }
  }
}

TEST(Loss, ClassTargetErrors) {
  Tensor L = zeros({4, 10});
  EXPECT_CAJAL_ERROR(cross_entropy(L, from_vector(std::vector<int64_t>{1, 2, 10, 3}, {4})),
                     "cross_entropy: target 10 is out of bounds for 10 classes");
  EXPECT_CAJAL_ERROR(cross_entropy(L, from_vector(std::vector<int64_t>{1, 2, -1, 3}, {4})), "target -1 is out of bounds");
  EXPECT_CAJAL_ERROR(nll_loss(L, from_vector(std::vector<int64_t>{1, 2, 3, 4, 5}, {5})),
                     "nll_loss: expected target shape [4] for input shape [4, 10], got [5]");
  EXPECT_CAJAL_ERROR(nll_loss(L, zeros({4})), "nll_loss: expected int64 class indices as target, got float32");
  EXPECT_CAJAL_ERROR(cross_entropy(L, zeros({4}, DType::u8)), "cross_entropy", "int64 class indices or floating",
                     "uint8");
  EXPECT_CAJAL_ERROR(cross_entropy(L, zeros({4, 9})), "cross_entropy: probability target shape [4, 9] does not match");
  EXPECT_CAJAL_ERROR(cross_entropy(L, zeros({4, 10}), {Reduction::Mean, 3}), "ignore_index (3) is not supported");
  EXPECT_CAJAL_ERROR(cross_entropy(L, zeros({4}, DType::i64), {Reduction::Mean, -100, 1.5}),
                     "label_smoothing must be in [0, 1], got 1.5");
  EXPECT_CAJAL_ERROR(cross_entropy(zeros({4, 10}, DType::i64), zeros({4}, DType::i64)), "expected floating logits");
  // An ignored target may lie outside [0, C).
  EXPECT_NO_THROW(cross_entropy(L, from_vector(std::vector<int64_t>{1, -100, 2, 3}, {4})));
  try {
    cross_entropy(L, from_vector(std::vector<int64_t>{10, 0, 0, 0}, {4}));
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Index);
  }
}

TEST(Loss, MeanOverIgnoredTargetsOnly) {
  // Every target ignored: 0 / 0 = NaN, as in PyTorch; Sum is 0.
  Tensor T = from_vector(std::vector<int64_t>{-100, -100}, {2});
  EXPECT_TRUE(std::isnan(cross_entropy(zeros({2, 3}), T).item()));
  EXPECT_EQ(cross_entropy(zeros({2, 3}), T, {Reduction::Sum}).item(), 0.0);
}
