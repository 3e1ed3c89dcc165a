// GEMM: C = alpha * op(A) * op(B) + beta * C on row-major float/double matrices, through CBLAS.
//
// Convention: every matrix is described BLAS-style by (pointer, trans, ld): op(X) is X itself
// (trans = false, rows of X are `ld` elements apart) or the transpose of the row-major matrix
// stored there (trans = true). A transposed view, a column slice or a row slice is therefore passed
// as-is; blas_layout() says whether a strided 2-D view can be described this way at all.
#pragma once
#include <cstdint>
#include <optional>

namespace cajal::kernels::cpu {

// How BLAS reads a (rows x cols) view whose elements are `row_stride` / `col_stride` apart.
struct BlasLayout {
  bool trans = false;  // memory holds the (cols x rows) transpose, row-major
  int64_t ld = 1;      // leading dimension of what memory holds
};
// nullopt when no (trans, ld) describes the view (zero strides from expand, both strides > 1):
// the caller makes one contiguous copy.
std::optional<BlasLayout> blas_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride);

// C (M x N, leading dimension ldc) = alpha * op(A) (M x K) * op(B) (K x N) + beta * C.
// beta = 0 overwrites C (its old contents may be uninitialised). M = 1 or N = 1 goes to GEMV.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc);

// The plainly correct triple loop, the reference the tests compare gemm() with.
template <class T>
void gemm_naive(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// `batch` independent GEMMs of one shape: matrix i reads A + a_offsets[i], B + b_offsets[i] and writes
// C + i * c_stride. Offsets are in elements, so broadcast operands simply repeat an offset.
// Small matrices run one GEMM per thread; large ones run one after another on all threads.
template <class T>
void gemm_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                  const int64_t* a_offsets, const T* B, int64_t ldb, const int64_t* b_offsets, T beta, T* C,
                  int64_t ldc, int64_t c_stride, int64_t batch);

// dot(x, y) over n elements with strides incx, incy (both >= 1).
template <class T>
T dot(int64_t n, const T* x, int64_t incx, const T* y, int64_t incy);

}  // namespace cajal::kernels::cpu
