// Modules whose forward is not one tensor in, one tensor out: an RNN cell (x, h) -> (y, h),
// attention (q, k, v, mask) -> (out, weights), a VAE encoder x -> (mu, logvar).
//
// Such a module declares its own `forward` of any signature; it hides Module's one-tensor virtual,
// so calling it directly is fully typed:
//
//   struct Cell : nn::Module {
//     std::tuple<Tensor, Tensor> forward(const Tensor& x, const Tensor& h);
//   };
//   auto [y, h1] = cell->forward(x, h0);
//
// AnyModule erases the signature so different modules can sit in one container (ModuleList) and be
// called with the arguments each expects, as PyTorch's C++ frontend does. It reads the signature
// from `&M::forward` (so that must name exactly one forward) and checks every call at run time:
// a wrong argument count or type is a cajal::Error naming the module, the signature expected and
// the arguments given, never undefined behaviour.
//
//   nn::AnyModule any(cell);
//   auto [y, h1] = any.forward<std::tuple<Tensor, Tensor>>(x, h0);
//   Value out = any.forward(x);   // throws: "Cell.forward: expected (Tensor, Tensor), got (Tensor)"
//
// Parameters of type std::optional<T> accept nullptr (PyTorch's None): an optional mask.
#pragma once
#include <any>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "cajal/core/error.h"
#include "cajal/nn/module.h"

namespace cajal::nn {

namespace detail {
// "Tensor", "std::tuple<Tensor, Tensor>", "double": a readable name for a forward's types.
std::string readable_type_name(const std::type_info& type);
}  // namespace detail

// One argument to or result of a type-erased forward: any copyable value, or nothing (nullptr).
class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  // A string literal is kept as std::string, so a forward taking std::string accepts "mean".
  Value(const char* s) : value_(std::string(s)) {}
  // Numbers are kept as int64_t or double (bool stays bool), whatever literal type they came as;
  // a forward taking int or float gets them converted.
  template <class T, class = std::enable_if_t<!std::is_same_v<std::decay_t<T>, Value> &&
                                              !std::is_same_v<std::decay_t<T>, std::nullptr_t>>>
  Value(T&& v) : value_(normalise(std::forward<T>(v))) {}  // NOLINT: implicit, so forward(x, h) just works

  bool is_none() const { return !value_.has_value(); }
  // The held type's readable name, "None" when empty.
  std::string type_name() const { return is_none() ? "None" : detail::readable_type_name(value_.type()); }

  template <class T>
  bool is() const {
    return value_.type() == typeid(T);
  }
  // The value as T; throws cajal::Error (Type) naming `what` and both types when it holds another.
  template <class T>
  const T& get(const std::string& what = "Value.get") const {
    const T* p = std::any_cast<T>(&value_);
    CAJAL_CHECK_TYPE(p != nullptr, what, "expected {}, got {}", detail::readable_type_name(typeid(T)), type_name());
    return *p;
  }

 private:
  template <class T>
  static auto normalise(T&& v) {
    using D = std::decay_t<T>;
    if constexpr (std::is_integral_v<D> && !std::is_same_v<D, bool>) return int64_t(v);
    else if constexpr (std::is_floating_point_v<D>) return double(v);
    else return D(std::forward<T>(v));
  }

  std::any value_;
};

class AnyModule {
 public:
  AnyModule() = default;
  template <class M>
  explicit AnyModule(std::shared_ptr<M> module) {
    static_assert(std::is_base_of_v<Module, M>, "AnyModule holds nn::Module subclasses");
    CAJAL_CHECK(module != nullptr, "AnyModule", "expected a module, got a null pointer");
    impl_ = make_impl(module, &M::forward);
  }

  bool empty() const { return impl_ == nullptr; }
  // The module as its base class (for registration, parameters, train/eval, state_dict).
  std::shared_ptr<Module> ptr() const { return impl_ ? impl_->module() : nullptr; }
  // The module as M; throws cajal::Error (Type) when it is another type.
  template <class M>
  std::shared_ptr<M> get() const {
    auto m = std::dynamic_pointer_cast<M>(ptr());
    CAJAL_CHECK_TYPE(m != nullptr, "AnyModule.get", "the module is a {}, not the requested type",
                     ptr() ? ptr()->type_name() : std::string("empty AnyModule"));
    return m;
  }
  // "(Tensor, Tensor) -> std::tuple<Tensor, Tensor>".
  std::string signature() const;

  // Calls the module's forward with these arguments (checked against its signature).
  template <class... Args>
  Value forward(Args&&... args) {
    std::vector<Value> values;
    values.reserve(sizeof...(Args));
    (values.emplace_back(std::forward<Args>(args)), ...);
    return call(values);
  }
  // The same, with the result as R (checked).
  template <class R, class... Args>
  R forward(Args&&... args) {
    Value v = forward(std::forward<Args>(args)...);
    return v.get<R>(name() + ".forward result");
  }
  Value call(std::vector<Value>& args);

 private:
  struct Impl {
    virtual ~Impl() = default;
    virtual std::shared_ptr<Module> module() const = 0;
    virtual std::vector<std::string> parameter_types() const = 0;
    virtual std::string result_type() const = 0;
    virtual Value call(std::vector<Value>& args) = 0;
  };

  // A parameter type with const and & removed; std::optional<T> accepts None or a T.
  template <class P>
  using Bare = std::remove_cvref_t<P>;
  template <class T>
  struct IsOptional : std::false_type {};
  template <class T>
  struct IsOptional<std::optional<T>> : std::true_type {};

  template <class P>
  static Bare<P> argument(const Value& v, const std::string& what) {
    using T = Bare<P>;
    if constexpr (IsOptional<T>::value) {
      if (v.is_none()) return std::nullopt;
      if (v.template is<T>()) return v.template get<T>(what);
      return T(argument<typename T::value_type>(v, what));
    } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      if (std::is_floating_point_v<T> && v.template is<double>()) return T(v.template get<double>(what));
      return T(v.template get<int64_t>(what));
    } else {
      return v.template get<T>(what);
    }
  }

  // Fn: the member-function pointer type, const or not.
  template <class M, class Fn, class R, class... P>
  struct Typed : Impl {
    std::shared_ptr<M> m;
    Fn fn;
    Typed(std::shared_ptr<M> mod, Fn f) : m(std::move(mod)), fn(f) {}
    std::shared_ptr<Module> module() const override { return m; }
    std::vector<std::string> parameter_types() const override {
      return {detail::readable_type_name(typeid(Bare<P>))...};
    }
    std::string result_type() const override { return detail::readable_type_name(typeid(R)); }
    Value call(std::vector<Value>& args) override { return invoke(args, std::index_sequence_for<P...>{}); }
    template <size_t... I>
    Value invoke(std::vector<Value>& args, std::index_sequence<I...>) {
      const std::string what = m->type_name() + ".forward";
      auto converted = std::tuple<Bare<P>...>{argument<P>(args[I], fmt::format("{} argument {}", what, I + 1))...};
      if constexpr (std::is_void_v<R>) {
        ((*m).*fn)(std::get<I>(converted)...);
        return Value();
      } else {
        return Value(((*m).*fn)(std::get<I>(converted)...));
      }
    }
  };

  template <class M, class C, class R, class... P>
  static std::shared_ptr<Impl> make_impl(std::shared_ptr<M> m, R (C::*fn)(P...)) {
    return std::make_shared<Typed<M, decltype(fn), R, P...>>(std::move(m), fn);
  }
  template <class M, class C, class R, class... P>
  static std::shared_ptr<Impl> make_impl(std::shared_ptr<M> m, R (C::*fn)(P...) const) {
    return std::make_shared<Typed<M, decltype(fn), R, P...>>(std::move(m), fn);
  }

  std::string name() const { return ptr() ? ptr()->type_name() : std::string("AnyModule"); }

  std::shared_ptr<Impl> impl_;
};

}  // namespace cajal::nn
