// CAJAL_ARG: one option of a module's Options struct, with a chainable setter and a getter
// (PyTorch's TORCH_ARG): `LinearOptions(784, 256).bias(false).dtype(DType::f64)`.
// Convention: write the default right after the macro, `CAJAL_ARG(bool, bias) = true;`.
#pragma once
#include <type_traits>

// NB: the type goes through std::type_identity_t so `const` applies to the whole type
// (CAJAL_ARG(Generator*, generator) gives Generator* const&, not const Generator*&).
#define CAJAL_ARG(T, name)                                                  \
 public:                                                                    \
  auto& name(const std::type_identity_t<T>& new_value) {                    \
    name##_ = new_value;                                                    \
    return *this;                                                           \
  }                                                                         \
  const std::type_identity_t<T>& name() const noexcept { return name##_; } \
                                                                            \
 private:                                                                   \
  T name##_
