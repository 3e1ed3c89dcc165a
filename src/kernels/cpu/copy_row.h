// copy_row: a short row copied without a library call (the direct convolution kernels and the
// 2x2 max pool copy rows of 5-40 elements, where a memmove call per row costs more than the copy).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace cajal::kernels::cpu {

// dst[0, n) = src[0, n): whole 64-byte blocks, then one block of the largest fitting power of two
// ending exactly at the row's end (overlapping what is already copied, which is harmless: source
// and destination are distinct).
template <class T>
[[gnu::always_inline]] inline void copy_row(const T* src, int64_t n, T* dst) {
  const char* s = reinterpret_cast<const char*>(src);
  char* d = reinterpret_cast<char*>(dst);
  const size_t bytes = size_t(n) * sizeof(T);
  auto block = [&](auto width) {  // [0, bytes) in blocks of `width` (bytes >= width)
    constexpr size_t w = decltype(width)::value;
    size_t i = 0;
    for (; i + w <= bytes; i += w) std::memcpy(d + i, s + i, w);
    if (i < bytes) std::memcpy(d + bytes - w, s + bytes - w, w);
  };
  if (bytes >= 64) block(std::integral_constant<size_t, 64>{});
  else if (bytes >= 32) block(std::integral_constant<size_t, 32>{});
  else if (bytes >= 16) block(std::integral_constant<size_t, 16>{});
  else if (bytes >= 8) block(std::integral_constant<size_t, 8>{});
  else if (bytes >= 4) block(std::integral_constant<size_t, 4>{});
  else if (bytes > 0) std::memcpy(d, s, bytes);
}

}  // namespace cajal::kernels::cpu
