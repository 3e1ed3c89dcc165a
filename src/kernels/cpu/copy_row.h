// copy_row: a short row copied without a library call (the direct convolution kernels and the
// 2x2 max pool copy rows of 5-40 elements, where a memmove call per row costs more than the copy).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace cajal::kernels::cpu {

// dst[0, n) = src[0, n) in fixed-size blocks (inlined moves): up to four 64-byte blocks, then one
// block of the largest fitting power of two ending exactly at the row's end (overlapping what is
// already copied, which is harmless: source and destination are distinct). No loop: the compiler
// would turn a loop of block copies back into a memcpy call. Rows over 256 bytes call memcpy.
template <class T>
[[gnu::always_inline]] inline void copy_row(const T* src, int64_t n, T* dst) {
  const char* s = reinterpret_cast<const char*>(src);
  char* d = reinterpret_cast<char*>(dst);
  const size_t bytes = size_t(n) * sizeof(T);
  auto blocks = [&](auto width) {  // bytes >= width
    constexpr size_t w = decltype(width)::value;
    std::memcpy(d, s, w);
    if constexpr (w == 64) {
      if (bytes >= 128) std::memcpy(d + 64, s + 64, 64);
      if (bytes >= 192) std::memcpy(d + 128, s + 128, 64);
      if (bytes >= 256) std::memcpy(d + 192, s + 192, 64);
    }
    std::memcpy(d + bytes - w, s + bytes - w, w);
  };
  if (bytes > 256) std::memcpy(d, s, bytes);
  else if (bytes >= 64) blocks(std::integral_constant<size_t, 64>{});
  else if (bytes >= 32) blocks(std::integral_constant<size_t, 32>{});
  else if (bytes >= 16) blocks(std::integral_constant<size_t, 16>{});
  else if (bytes >= 8) blocks(std::integral_constant<size_t, 8>{});
  else if (bytes >= 4) blocks(std::integral_constant<size_t, 4>{});
  else if (bytes > 0) std::memcpy(d, s, bytes);
}

}  // namespace cajal::kernels::cpu
