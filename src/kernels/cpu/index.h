// Index kernels: whole-row gathers and accumulations (index_select and its backward), and the
// element-wise gather / scatter_add of PyTorch.
// Convention: every index value arrives already validated (0 <= v < size); the ops check them
// first because nothing may throw inside a threaded loop.
#pragma once
#include <cstdint>

#include "cajal/core/tensor.h"

namespace cajal::kernels::cpu {

// out (outer, m, inner) = in (outer, n, inner) at rows index[0..m) of the middle dim.
// out and in contiguous, same dtype (the bytes are copied); rows of 64 bytes or more go through
// memcpy. Threads split the output rows.
void index_select_rows(Tensor& out, const Tensor& in, const int64_t* index, int64_t outer, int64_t n, int64_t m,
                       int64_t inner);

// out (outer, n, inner) += src (outer, m, inner) at rows index[0..m): the scatter-add of whole
// slices along the middle dim (index_add). Contiguous, same dtype. Threads split (outer, column
// block) tasks, so each output element gets its additions in index order whatever the thread
// count: results are bit-identical for 1 or N threads.
void index_add_rows(Tensor& out, const Tensor& src, const int64_t* index, int64_t outer, int64_t n, int64_t m,
                    int64_t inner);

// out[p] = in[p with coordinate `dim` replaced by index[p]], p over index's shape (= out's shape).
// in may be any strided view; out and index as given (strided allowed).
void gather(Tensor& out, const Tensor& in, int64_t dim, const Tensor& index);

// out[p with coordinate `dim` replaced by index[p]] += src[p], p over index's shape. src may be
// larger than index (its extra elements are ignored). Serial: two positions p may hit one output.
void scatter_add(Tensor& out, int64_t dim, const Tensor& index, const Tensor& src);

}  // namespace cajal::kernels::cpu
