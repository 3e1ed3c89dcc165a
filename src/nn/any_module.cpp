// AnyModule's checks and the readable type names its errors print (see any_module.h).
#include "cajal/nn/any_module.h"

#include <cxxabi.h>

#include <cstdlib>

namespace cajal::nn {

namespace detail {

namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

}  // namespace

std::string readable_type_name(const std::type_info& type) {
  // The common ones by name, so messages read as the forward's declaration does.
  if (type == typeid(Tensor)) return "Tensor";
  if (type == typeid(int64_t)) return "int64_t";
  if (type == typeid(double)) return "double";
  if (type == typeid(bool)) return "bool";
  if (type == typeid(std::string)) return "std::string";
  if (type == typeid(void)) return "void";
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string s = status == 0 && demangled ? demangled : type.name();
  std::free(demangled);
  replace_all(s, "cajal::Tensor", "Tensor");
  replace_all(s, "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string");
  replace_all(s, ", std::allocator<Tensor> >", ">");
  replace_all(s, "long", "int64_t");
  return s;
}

}  // namespace detail

std::string AnyModule::signature() const {
  CAJAL_CHECK(impl_ != nullptr, "AnyModule", "the AnyModule is empty (default-constructed)");
  std::string s = "(";
  for (const auto& t : impl_->parameter_types()) s += (s.size() > 1 ? ", " : "") + t;
  return s + ") -> " + impl_->result_type();
}

Value AnyModule::call(std::vector<Value>& args) {
  CAJAL_CHECK(impl_ != nullptr, "AnyModule.forward", "the AnyModule is empty (default-constructed)");
  std::vector<std::string> expected = impl_->parameter_types();
  if (args.size() != expected.size()) {
    std::string given = "(";
    for (const auto& a : args) given += (given.size() > 1 ? ", " : "") + a.type_name();
    CAJAL_FAIL(Type, name() + ".forward", "expected {} arguments {}, got {} {})", expected.size(), signature(),
               args.size(), given);
  }
  return impl_->call(args);
}

}  // namespace cajal::nn
