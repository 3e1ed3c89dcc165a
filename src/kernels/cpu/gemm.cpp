// GEMM through CBLAS (OpenBLAS, OpenMP build: it shares cajal's threads), plus the naive reference.
// Convention: row-major throughout; a transposed operand is a flag and a leading dimension, never a
// copy (see gemm.h).
#include "kernels/cpu/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <climits>

#include "cajal/core/error.h"
#include "cajal/core/threading.h"

namespace cajal::kernels::cpu {

std::optional<BlasLayout> blas_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  // The stride of a size-1 dim is never followed, so it does not constrain the layout.
  const bool unit_cols = cols <= 1 || col_stride == 1;
  const bool unit_rows = rows <= 1 || row_stride == 1;
  if (unit_cols && (rows <= 1 || row_stride >= std::max<int64_t>(cols, 1)))
    return BlasLayout{false, rows <= 1 ? std::max<int64_t>(cols, 1) : row_stride};
  if (unit_rows && (cols <= 1 || col_stride >= std::max<int64_t>(rows, 1)))
    return BlasLayout{true, cols <= 1 ? std::max<int64_t>(rows, 1) : col_stride};
  return std::nullopt;
}

namespace {

// CBLAS takes 32-bit sizes (blasint); larger matrices would silently wrap.
void check_blas_size(int64_t v, const char* what) {
  CAJAL_CHECK(v <= INT_MAX, "gemm", "{} = {} exceeds the BLAS limit of {}", what, v, INT_MAX);
}

CBLAS_TRANSPOSE flag(bool trans) { return trans ? CblasTrans : CblasNoTrans; }

// Typed entry points: one name for both precisions.
void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha, const float* A, int lda,
               const float* B, int ldb, float beta, float* C, int ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, double alpha, const double* A, int lda,
               const double* B, int ldb, double beta, double* C, int ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
void blas_gemv(CBLAS_TRANSPOSE t, int rows, int cols, float alpha, const float* A, int lda, const float* x, int incx,
               float beta, float* y, int incy) {
  cblas_sgemv(CblasRowMajor, t, rows, cols, alpha, A, lda, x, incx, beta, y, incy);
}
void blas_gemv(CBLAS_TRANSPOSE t, int rows, int cols, double alpha, const double* A, int lda, const double* x,
               int incx, double beta, double* y, int incy) {
  cblas_dgemv(CblasRowMajor, t, rows, cols, alpha, A, lda, x, incx, beta, y, incy);
}
float blas_dot(int n, const float* x, int incx, const float* y, int incy) { return cblas_sdot(n, x, incx, y, incy); }
double blas_dot(int n, const double* x, int incx, const double* y, int incy) {
  return cblas_ddot(n, x, incx, y, incy);
}

// y (n elements, stride inc) = beta * y, where beta = 0 writes zeros (y may hold garbage or NaN).
template <class T>
void scale_vector(T* y, int64_t n, int64_t inc, T beta) {
  if (beta == T(1)) return;
  for (int64_t i = 0; i < n; ++i) y[i * inc] = beta == T(0) ? T(0) : beta * y[i * inc];
}

}  // namespace

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {  // empty sum: C = beta * C
    for (int64_t m = 0; m < M; ++m) scale_vector(C + m * ldc, N, 1, beta);
    return;
  }
  for (int64_t v : {M, N, K, lda, ldb, ldc}) check_blas_size(v, "a matrix size or leading dimension");
  // NB: OpenBLAS 0.3.21 does not forward skinny GEMMs to GEMV; its GEMM is several times slower there.
  // GEMV leaves y's old value in (beta * y), so zero it first when beta = 0 (fresh buffers may hold NaN).
  if (N == 1) {
    // C[:, 0] = op(A) * op(B)[:, 0]; column k of op(B) is B[k * ldb] (B stored K x 1) or B[k] (stored 1 x K).
    scale_vector(C, M, ldc, beta);
    blas_gemv(flag(trans_a), int(trans_a ? K : M), int(trans_a ? M : K), alpha, A, int(lda), B,
              int(trans_b ? 1 : ldb), T(1), C, int(ldc));
    return;
  }
  if (M == 1) {
    // C[0, :] = op(B)^T * op(A)[0, :]; op(B)^T is B itself when B is stored transposed (N x K).
    scale_vector(C, N, 1, beta);
    blas_gemv(flag(!trans_b), int(trans_b ? N : K), int(trans_b ? K : N), alpha, B, int(ldb), A,
              int(trans_a ? lda : 1), T(1), C, 1);
    return;
  }
  blas_gemm(flag(trans_a), flag(trans_b), int(M), int(N), int(K), alpha, A, int(lda), B, int(ldb), beta, C, int(ldc));
}

template <class T>
void gemm_naive(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      T acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        T a = trans_a ? A[k * lda + m] : A[m * lda + k];
        T b = trans_b ? B[n * ldb + k] : B[k * ldb + n];
        acc += a * b;
      }
      T& c = C[m * ldc + n];
      c = alpha * acc + (beta == T(0) ? T(0) : beta * c);
    }
}

template <class T>
void gemm_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                  const int64_t* a_offsets, const T* B, int64_t ldb, const int64_t* b_offsets, T beta, T* C,
                  int64_t ldc, int64_t c_stride, int64_t batch) {
  auto one = [&](int64_t i) {
    gemm(trans_a, trans_b, M, N, K, alpha, A + a_offsets[i], lda, B + b_offsets[i], ldb, beta, C + i * c_stride, ldc);
  };
  // Below ~128^3 multiply-adds per matrix BLAS's own threading pays more in synchronisation than a
  // GEMM per thread does; with many matrices a GEMM per thread also balances well. Inside the
  // parallel region OpenBLAS (OpenMP build) sees omp_in_parallel() and runs single-threaded.
  constexpr int64_t kSmallGemm = 128 * 128 * 128;
  const int64_t mnk = M * N * K;
  const int threads = get_num_threads();
  const bool per_thread = threads > 1 && batch > 1 && !omp_in_parallel() && batch * mnk >= kParallelGrain &&
                          (mnk < kSmallGemm || batch >= 4 * threads);
  if (per_thread) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < batch; ++i) one(i);
  } else {
    for (int64_t i = 0; i < batch; ++i) one(i);
  }
}

template <class T>
T dot(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy) {
  for (int64_t v : {n, incx, incy}) check_blas_size(v, "a vector length or stride");
  return blas_dot(int(n), x, int(incx), y, int(incy));
}

#define CAJAL_GEMM_INSTANTIATE(T)                                                                                  \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T, T*,     \
                        int64_t);                                                                                  \
  template void gemm_naive<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T,   \
                              T*, int64_t);                                                                        \
  template void gemm_batched<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const int64_t*,       \
                                const T*, int64_t, const int64_t*, T, T*, int64_t, int64_t, int64_t);              \
  template T dot<T>(int64_t, const T*, int64_t, const T*, int64_t);
CAJAL_GEMM_INSTANTIATE(float)
CAJAL_GEMM_INSTANTIATE(double)
#undef CAJAL_GEMM_INSTANTIATE

}  // namespace cajal::kernels::cpu
