// Optimal linear decoders: ridge-regularised least squares through a Cholesky solve: cajal's own
// factorisation, tested against LAPACK's dposv from the OpenBLAS package.
//
// NB: the own factorisation is the one used. OpenBLAS's dpotrf wakes its thread server, whose
// threads sched_yield while they wait: on a loaded machine (several processes per core) each
// yield gives the core away, and a 400 x 400 solve took 0.1-0.9 s against 0.02 s here.
#include "cajal/neuro/decoders.h"

#include <cmath>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

extern "C" void dposv_(const char* uplo, const int* n, const int* nrhs, double* a, const int* lda, double* b,
                       const int* ldb, int* info);

namespace cajal::neuro {

namespace {
struct System {
  Tensor G, B;  // contiguous float64 copies; B as (N, k)
  bool vector = false;
};
System prepare(const Tensor& G, const Tensor& B, const char* op) {
  CAJAL_CHECK(G.defined() && G.dim() == 2 && G.size(0) == G.size(1) && G.size(0) > 0, op,
              "expected a square matrix G, got {}", G.defined() ? G.shape() : Shape{});
  CAJAL_CHECK(B.defined() && (B.dim() == 1 || B.dim() == 2) && B.size(0) == G.size(0), op,
              "expected right-hand sides of shape ({}) or ({}, k), got {}", G.size(0), G.size(0),
              B.defined() ? B.shape() : Shape{});
  System s;
  s.vector = B.dim() == 1;
  s.G = G.to(DType::f64).contiguous().clone();
  s.B = (s.vector ? B.reshape({B.size(0), 1}) : B).to(DType::f64).contiguous().clone();
  return s;
}
}  // namespace

Tensor cholesky_solve_lapack(const Tensor& G, const Tensor& B) {
  System s = prepare(G, B, "cholesky_solve_lapack");
  int n = int(s.G.size(0)), k = int(s.B.size(1)), info = 0;
  // Column-major B (n x k): LAPACK wants it so; G is symmetric, so row-major is the same matrix.
  Tensor Bc = s.B.t().contiguous();
  dposv_("L", &n, &k, s.G.data_ptr<double>(), &n, Bc.data_ptr<double>(), &n, &info);
  CAJAL_CHECK(info == 0, "cholesky_solve_lapack", "expected a symmetric positive-definite matrix (LAPACK dposv info {})",
              info);
  Tensor X = Bc.t().contiguous();
  return s.vector ? X.reshape({n}) : X;
}

Tensor cholesky_solve(const Tensor& G, const Tensor& B) {
  System s = prepare(G, B, "cholesky_solve");
  int64_t n = s.G.size(0), k = s.B.size(1);
  // Row-oriented Cholesky-Crout: the lower triangle is overwritten by L (G = L L^T); every inner
  // loop is a dot product of two contiguous row prefixes, which the compiler vectorises.
  double* L = s.G.data_ptr<double>();
  for (int64_t j = 0; j < n; ++j) {
    double d = L[j * n + j];
    for (int64_t p = 0; p < j; ++p) d -= L[j * n + p] * L[j * n + p];
    CAJAL_CHECK(d > 0, "cholesky_solve", "expected a symmetric positive-definite matrix (pivot {} is {})", j, d);
    d = std::sqrt(d);
    L[j * n + j] = d;
    for (int64_t i = j + 1; i < n; ++i) {
      double v = L[i * n + j];
      for (int64_t p = 0; p < j; ++p) v -= L[i * n + p] * L[j * n + p];
      L[i * n + j] = v / d;
    }
  }
  double* X = s.B.data_ptr<double>();
  for (int64_t c = 0; c < k; ++c) {
    for (int64_t i = 0; i < n; ++i) {  // L y = b
      double v = X[i * k + c];
      for (int64_t p = 0; p < i; ++p) v -= L[i * n + p] * X[p * k + c];
      X[i * k + c] = v / L[i * n + i];
    }
    for (int64_t i = n - 1; i >= 0; --i) {  // L^T x = y
      double v = X[i * k + c];
      for (int64_t p = i + 1; p < n; ++p) v -= L[p * n + i] * X[p * k + c];
      X[i * k + c] = v / L[i * n + i];
    }
  }
  return s.vector ? s.B.reshape({n}) : s.B;
}

Tensor ridge_decoders(const Tensor& A, const Tensor& T, double lambda) {
  CAJAL_CHECK(A.defined() && A.dim() == 2, "ridge_decoders", "expected activities A of shape (S, N), got {}",
              A.defined() ? A.shape() : Shape{});
  CAJAL_CHECK(T.defined() && (T.dim() == 1 || T.dim() == 2) && T.size(0) == A.size(0), "ridge_decoders",
              "expected targets with {} rows (one per sample), got {}", A.size(0), T.defined() ? T.shape() : Shape{});
  CAJAL_CHECK(lambda >= 0 && std::isfinite(lambda), "ridge_decoders", "expected lambda >= 0, got {}", lambda);
  CAJAL_CHECK(lambda > 0 || A.size(0) >= A.size(1), "ridge_decoders",
              "{} sample points for {} neurons: expected at least as many samples as neurons without "
              "regularisation (lambda = 0)",
              A.size(0), A.size(1));
  Tensor a = A.to(DType::f64);
  Tensor G = matmul(a.t(), a);
  if (lambda > 0) G = add(G, mul(eye(A.size(1), -1, DType::f64), lambda));
  Tensor rhs = matmul(a.t(), T.to(DType::f64));
  if (lambda > 0) return cholesky_solve(G, rhs);
  // Without regularisation, enough samples are not enough: silent neurons, or neurons whose
  // tuning curves are linear combinations of others on these samples, leave A^T A singular.
  try {
    return cholesky_solve(G, rhs);
  } catch (const Error& e) {
    throw Error(ErrorKind::Value, "ridge_decoders",
                fmt::format("the activities of {} neurons on {} samples are rank-deficient (A^T A is singular: {}); "
                            "expected regularisation lambda > 0 (decoder noise > 0)",
                            A.size(1), A.size(0), e.what()));
  }
}

Tensor decoders_for(const Population& pop, const std::function<Tensor(const Tensor&)>& f, const DecoderOptions& opt) {
  CAJAL_CHECK(opt.noise >= 0, "decoders_for", "expected noise >= 0, got {}", opt.noise);
  Tensor x = sample_ball(opt.points, pop.dims(), pop.radius(), opt.seed);
  Tensor A = pop.rates(x);
  Tensor T = f(x);
  double sigma = opt.noise * max(A).item();
  return ridge_decoders(A, T, double(opt.points) * sigma * sigma);
}

Tensor decoders_for(const Population& pop, const DecoderOptions& opt) {
  return decoders_for(pop, [](const Tensor& x) { return x; }, opt);
}

double decoding_error(const Population& pop, const Tensor& D, const Tensor& x, const Tensor& t, double sigma) {
  Tensor A = pop.rates(x);
  Tensor tt = t.to(DType::f64);
  Tensor Dd = D.to(DType::f64);
  if (tt.dim() == 1) tt = tt.reshape({tt.size(0), 1});
  if (Dd.dim() == 1) Dd = Dd.reshape({Dd.size(0), 1});
  CAJAL_CHECK(Dd.size(0) == pop.size() && tt.size(0) == A.size(0) && tt.size(1) == Dd.size(1), "decoding_error",
              "expected decoders ({}, k) and targets (S, k), got {} and {}", pop.size(), Dd.shape(), tt.shape());
  double distortion = sum(square(sub(matmul(A, Dd), tt))).item() / double(A.size(0));
  return distortion + sigma * sigma * sum(square(Dd)).item();
}

}  // namespace cajal::neuro
