// Element types and the compile-time dispatch from a runtime DType to a C++ type.
// NB: bool tensors store one byte per element (uint8_t with values 0/1), like PyTorch.
#pragma once
#include <cstdint>
#include <string_view>

#include "cajal/core/error.h"

namespace cajal {

enum class DType : uint8_t { f32, f64, i64, u8, b8 };

constexpr const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "float32";
    case DType::f64: return "float64";
    case DType::i64: return "int64";
    case DType::u8: return "uint8";
    case DType::b8: return "bool";
  }
  return "?";
}
constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f64: return 8;
    case DType::i64: return 8;
    case DType::u8: return 1;
    case DType::b8: return 1;
  }
  return 0;
}
constexpr bool is_floating(DType t) { return t == DType::f32 || t == DType::f64; }
DType dtype_from_name(std::string_view name);  // "float32"/"f32"/"float" ...; throws on unknown

// Type promotion of two tensor operands (PyTorch's category rules: bool < integer < floating).
DType promote_types(DType a, DType b);

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::f32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::f64; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::i64; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::u8; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::b8; };

}  // namespace cajal

// Dispatch: runs the lambda body with `scalar_t` bound to the C++ type of DTYPE.
// bool maps to uint8_t storage (0/1) so arithmetic kernels need no special case.
#define CAJAL_DISPATCH_CASE(DT, T, ...) \
  case DT: {                            \
    using scalar_t = T;                 \
    return __VA_ARGS__();               \
  }
#define CAJAL_DISPATCH_FLOAT(DTYPE, OP, ...)                                             \
  [&] {                                                                                   \
    switch (DTYPE) {                                                                      \
      CAJAL_DISPATCH_CASE(::cajal::DType::f32, float, __VA_ARGS__)                        \
      CAJAL_DISPATCH_CASE(::cajal::DType::f64, double, __VA_ARGS__)                       \
      default:                                                                            \
        CAJAL_FAIL(Type, OP, "expected a floating dtype (float32 or float64), got {}",   \
                   ::cajal::dtype_name(DTYPE));                                           \
    }                                                                                     \
  }()
#define CAJAL_DISPATCH_ALL(DTYPE, OP, ...)                                               \
  [&] {                                                                                   \
    switch (DTYPE) {                                                                      \
      CAJAL_DISPATCH_CASE(::cajal::DType::f32, float, __VA_ARGS__)                        \
      CAJAL_DISPATCH_CASE(::cajal::DType::f64, double, __VA_ARGS__)                       \
      CAJAL_DISPATCH_CASE(::cajal::DType::i64, int64_t, __VA_ARGS__)                      \
      CAJAL_DISPATCH_CASE(::cajal::DType::u8, uint8_t, __VA_ARGS__)                       \
      CAJAL_DISPATCH_CASE(::cajal::DType::b8, uint8_t, __VA_ARGS__)                       \
    }                                                                                     \
    CAJAL_FAIL(Type, OP, "unknown dtype");                                                \
  }()
