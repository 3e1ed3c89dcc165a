// nn::MinGRU and nn::MinLSTM: the parallel form (one linear_scan) against the sequential one
// (step by step) on random inputs and long sequences, to 1e-6 in float32 and 1e-12 in float64,
// values and gradients; the minGRU against the notes' formula written as a scalar loop; float64
// gradchecks of both forms.
#include <cmath>

#include "cajal/nn/nn.h"
#include "cajal/ops/ops.h"
#include "support/test_support.h"

using namespace cajal;
using nn::ScanMode;

namespace {

double sig(double v) { return 1 / (1 + std::exp(-v)); }

std::vector<std::shared_ptr<nn::MinRNNBase>> both(int64_t I, int64_t H, DType dtype, bool batch_first = true) {
  auto o = nn::MinRNNOptions(I, H).dtype(dtype).batch_first(batch_first);
  return {std::make_shared<nn::MinGRU>(o), std::make_shared<nn::MinLSTM>(o)};
}

}  // namespace

TEST(NnMinRnn, MinGruFollowsTheNotesFormula) {
  manual_seed(1);
  const int64_t B = 2, T = 6, I = 3, H = 2;
  nn::MinGRU gru(nn::MinRNNOptions(I, H).dtype(DType::f64).batch_first(true));
  Tensor x = randn({B, T, I}, DType::f64), h0 = randn({B, H}, DType::f64);
  auto [out, h_n] = gru.forward(x, h0);
  std::vector<double> w = test::vals(gru.weight_ih), bias = test::vals(gru.bias_ih), xv = test::vals(x),
                      hv = test::vals(h0), got = test::vals(out);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < H; ++j) {
      double h = hv[size_t(b * H + j)];
      for (int64_t t = 0; t < T; ++t) {
        double cand = bias[size_t(j)], gate = bias[size_t(H + j)];
        for (int64_t i = 0; i < I; ++i) {
          cand += w[size_t(j * I + i)] * xv[size_t((b * T + t) * I + i)];
          gate += w[size_t((H + j) * I + i)] * xv[size_t((b * T + t) * I + i)];
        }
        const double g = sig(gate);
        h = g * cand + (1 - g) * h;  // h~ = x U + b, h = g h~ + (1 - g) h_prev
        EXPECT_NEAR(got[size_t((b * T + t) * H + j)], h, 1e-12);
      }
    }
  EXPECT_EQ(test::vals(h_n), test::vals(select(out, 1, T - 1)));
}

TEST(NnMinRnn, ParallelAndSequentialFormsAgreeOnLongSequences) {
  for (DType dtype : {DType::f32, DType::f64}) {
    const double tol = dtype == DType::f32 ? 1e-6 : 1e-12;
    for (int64_t T : {1, 7, 1000}) {
      manual_seed(uint64_t(T));
      for (auto& net : both(5, 8, dtype)) {
        Tensor x = randn({3, T, 5}, dtype), h0 = randn({3, 8}, dtype);
        x.requires_grad_(true);
        auto [par, hp] = net->forward(x, h0, ScanMode::Parallel);
        auto [seq, hs] = net->forward(x, h0, ScanMode::Sequential);
        const std::string what = net->type_name() + " T=" + std::to_string(T) + " " + dtype_name(dtype);
        EXPECT_TRUE(test::tensors_close(par, seq, tol, tol)) << what;
        EXPECT_TRUE(test::tensors_close(hp, hs, tol, tol)) << what;
        // Gradients of a random projection of the outputs, in x and in the weights.
        Tensor proj = randn(par.shape(), dtype);
        auto g_par = autograd::grad({sum(mul(par, proj))}, {x, net->weight_ih});
        auto g_seq = autograd::grad({sum(mul(seq, proj))}, {x, net->weight_ih});
        EXPECT_TRUE(test::tensors_close(g_par[0], g_seq[0], tol, tol)) << what;
        // The weight gradient sums B T = 3000 products in a different order in each form (one GEMM
        // over all steps vs one per step): in float32 that order alone moves it by ~1e-6 relative,
        // so it gets 1e-5 relative there (float64 keeps 1e-12, scaled by its magnitude).
        const double wscale = std::max(1.0, max(abs(g_seq[1])).item());
        EXPECT_TRUE(test::tensors_close(g_par[1], g_seq[1], tol * wscale, dtype == DType::f32 ? 1e-5 : tol)) << what;
      }
    }
  }
}

TEST(NnMinRnn, BothFormsPassGradcheck) {
  manual_seed(3);
  for (auto& net : both(2, 3, DType::f64, false)) {
    for (ScanMode mode : {ScanMode::Parallel, ScanMode::Sequential}) {
      std::vector<Tensor> in{test::rand_input({5, 2, 2}), test::rand_input({2, 3}, -1, 1, 2), net->weight_ih,
                             net->bias_ih};
      EXPECT_TRUE(test::gradcheck_ok(
          [&](const std::vector<Tensor>& v) { return std::get<0>(net->forward(v[0], v[1], mode)); }, in))
          << net->type_name();
    }
  }
}

TEST(NnMinRnn, BadInputsAreClearErrors) {
  nn::MinGRU gru(4, 3);
  EXPECT_CAJAL_ERROR(gru.forward(zeros({5, 2, 6})), "MinGRU", "expected input.size(-1) = input_size = 4", "got 6");
  EXPECT_CAJAL_ERROR(gru.forward(zeros({5, 2, 4}), zeros({3, 3})), "MinGRU", "expected h0 of shape [2, 3]",
                     "got [3, 3]");
  EXPECT_CAJAL_ERROR(gru.forward(zeros({5, 4})), "MinGRU", "expected input of 3 dims", "got shape [5, 4]");
}
