// DType names and promotion.
#include "cajal/core/dtype.h"

#include <string>

namespace cajal {

DType dtype_from_name(std::string_view n) {
  if (n == "float32" || n == "f32" || n == "float") return DType::f32;
  if (n == "float64" || n == "f64" || n == "double") return DType::f64;
  if (n == "int64" || n == "i64" || n == "long") return DType::i64;
  if (n == "uint8" || n == "u8") return DType::u8;
  if (n == "bool" || n == "b8") return DType::b8;
  CAJAL_FAIL(Type, "dtype", "unknown dtype '{}' (expected float32, float64, int64, uint8 or bool)", std::string(n));
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  auto rank = [](DType t) {
    switch (t) {
      case DType::b8: return 0;
      case DType::u8: return 1;
      case DType::i64: return 2;
      case DType::f32: return 3;
      case DType::f64: return 4;
    }
    return 0;
  };
  return rank(a) > rank(b) ? a : b;
}

}  // namespace cajal
