// Index kernels (see index.h). Copies move raw element bits (a 1-, 4- or 8-byte unsigned type per
// element size), so one instantiation serves every dtype of that size; accumulations dispatch on
// the dtype.
#include "kernels/cpu/index.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/loops.h"
#include "kernels/cpu/parallel.h"

namespace cajal::kernels::cpu {

namespace {

// Runs f.template operator()<Bits>() with Bits the unsigned type of the element size.
template <class F>
void dispatch_bits(size_t elem_size, const char* op, F f) {
  switch (elem_size) {
    case 1:
      return f.template operator()<uint8_t>();
    case 4:
      return f.template operator()<uint32_t>();
    case 8:
      return f.template operator()<uint64_t>();
  }
  CAJAL_FAIL(Type, op, "unsupported element size {}", elem_size);
}

}  // namespace

void index_select_rows(Tensor& out, const Tensor& in, const int64_t* index, int64_t outer, int64_t n, int64_t m,
                       int64_t inner) {
  const int64_t rows = outer * m;
  if (rows == 0 || inner == 0) return;
  dispatch_bits(in.element_size(), "index_select", [&]<class E>() {
    E* dst = static_cast<E*>(out.raw_data());
    const E* src = static_cast<const E*>(in.raw_data());
    const bool use_memcpy = inner * int64_t(sizeof(E)) >= 64;
    parallel_items(rows, rows * inner, [&](int64_t r) {
      const int64_t o = r / m, i = r % m;
      const E* from = src + (o * n + index[i]) * inner;
      E* to = dst + r * inner;
      if (use_memcpy) {
        std::memcpy(to, from, size_t(inner) * sizeof(E));
      } else {
        for (int64_t j = 0; j < inner; ++j) to[j] = from[j];
      }
    });
  });
}

void index_add_rows(Tensor& out, const Tensor& src, const int64_t* index, int64_t outer, int64_t n, int64_t m,
                    int64_t inner) {
  if (outer * m == 0 || inner == 0) return;
  // Column blocks give a single outer slice (dim 0, the embedding backward) parallelism without
  // two threads ever adding into the same row element.
  const int threads = get_num_threads();
  int64_t blocks = outer >= threads ? 1 : std::min<int64_t>(threads, (inner + 15) / 16);
  const int64_t width = ((inner + blocks - 1) / blocks + 15) / 16 * 16;
  blocks = (inner + width - 1) / width;
  CAJAL_DISPATCH_ALL(out.dtype(), "index_add", [&] {
    scalar_t* dst = static_cast<scalar_t*>(out.raw_data());
    const scalar_t* from = static_cast<const scalar_t*>(src.raw_data());
    parallel_items(outer * blocks, outer * m * inner, [&](int64_t t) {
      const int64_t o = t / blocks, j0 = (t % blocks) * width, j1 = std::min(inner, j0 + width);
      for (int64_t i = 0; i < m; ++i) {
        scalar_t* row = dst + (o * n + index[i]) * inner;
        const scalar_t* s = from + (o * m + i) * inner;
        for (int64_t j = j0; j < j1; ++j) row[j] = scalar_t(row[j] + s[j]);
      }
    });
  });
}

void gather(Tensor& out, const Tensor& in, int64_t dim, const Tensor& index) {
  // `in` seen over index's shape with stride 0 along dim: the loop engine walks (out, in, index)
  // together and each element adds index * stride(dim) to its input pointer.
  Shape strides = in.strides();
  const int64_t dim_stride = strides[size_t(dim)];
  strides[size_t(dim)] = 0;
  Tensor in_view = make_view(in, index.shape(), strides, in.offset());
  auto plan = make_plan<3>(index.shape(), {&out, &in_view, &index});
  dispatch_bits(in.element_size(), "gather", [&]<class E>() {
    run_plan<3>(plan, [dim_stride](char** p, const int64_t* s, int64_t cnt) {
      E* o = reinterpret_cast<E*>(p[0]);
      const E* x = reinterpret_cast<const E*>(p[1]);
      const int64_t* ix = reinterpret_cast<const int64_t*>(p[2]);
      if (s[0] == 1 && s[1] == 0 && s[2] == 1) {  // gather along the innermost run: one row of `in`
        for (int64_t i = 0; i < cnt; ++i) o[i] = x[ix[i] * dim_stride];
      } else {
        for (int64_t i = 0; i < cnt; ++i) o[i * s[0]] = x[i * s[1] + ix[i * s[2]] * dim_stride];
      }
    });
  });
}

void scatter_add(Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  Shape strides = out.strides();
  const int64_t dim_stride = strides[size_t(dim)];
  strides[size_t(dim)] = 0;
  Tensor out_view = make_view(out, index.shape(), strides, out.offset());
  Tensor src_view = make_view(src, index.shape(), src.strides(), src.offset());
  auto plan = make_plan<3>(index.shape(), {&out_view, &src_view, &index});
  CAJAL_DISPATCH_ALL(out.dtype(), "scatter_add", [&] {
    run_plan<3>(
        plan,
        [dim_stride](char** p, const int64_t* s, int64_t cnt) {
          scalar_t* o = reinterpret_cast<scalar_t*>(p[0]);
          const scalar_t* x = reinterpret_cast<const scalar_t*>(p[1]);
          const int64_t* ix = reinterpret_cast<const int64_t*>(p[2]);
          for (int64_t i = 0; i < cnt; ++i) {
            scalar_t& dst = o[i * s[0] + ix[i * s[2]] * dim_stride];
            dst = scalar_t(dst + x[i * s[1]]);
          }
        },
        /*parallel_ok=*/false);
  });
}

}  // namespace cajal::kernels::cpu
