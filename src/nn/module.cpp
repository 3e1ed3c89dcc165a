// nn::Module: registration, traversal, state_dict, dtype conversion and the printed tree.
// Convention: names are built only when a caller asks for them (named_*, state_dict, to_string);
// forward passes never touch these containers.
#include "cajal/nn/module.h"

#include <ostream>
#include <unordered_map>
#include <unordered_set>

#include "cajal/autograd/grad_mode.h"
#include "cajal/ops/ops.h"

namespace cajal::nn {

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}

UnaryModule& as_unary(Module& m, const std::string& who) {
  auto* u = dynamic_cast<UnaryModule*>(&m);
  CAJAL_CHECK_TYPE(u != nullptr, who,
                   "expected a module of one tensor in and one tensor out (nn::UnaryModule), got {} whose forward "
                   "takes other arguments",
                   m.type_name());
  return *u;
}

// ---------------------------------------------------------------- registration

void Module::check_new_name(const std::string& name, const char* what) const {
  CAJAL_CHECK(!name.empty(), what, "expected a non-empty name");
  CAJAL_CHECK(name.find('.') == std::string::npos, what, "name '{}' must not contain '.' (dots join nested names)",
              name);
  auto taken = [&](const auto& list) {
    for (const auto& entry : list)
      if (entry.first == name) return true;
    return false;
  };
  CAJAL_CHECK(!taken(parameters_) && !taken(buffers_) && !taken(children_), what,
              "{} already has a parameter, buffer or module named '{}'", type_name_, name);
}

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_new_name(name, "register_parameter");
  CAJAL_CHECK(t.defined(), "register_parameter", "parameter '{}' is an undefined tensor", name);
  CAJAL_CHECK_TYPE(t.is_floating_point(), "register_parameter",
                   "parameter '{}' must have a floating dtype (float32 or float64), got {}", name,
                   dtype_name(t.dtype()));
  CAJAL_CHECK(t.is_leaf(), "register_parameter",
              "parameter '{}' must be a leaf tensor (not the output of a recorded op); pass t.detach()", name);
  t.requires_grad_(requires_grad);
  parameters_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  check_new_name(name, "register_buffer");
  CAJAL_CHECK(t.defined(), "register_buffer", "buffer '{}' is an undefined tensor", name);
  buffers_.emplace_back(name, t);
  return t;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name, "register_module");
  CAJAL_CHECK(module != nullptr, "register_module", "module '{}' is a null pointer", name);
  CAJAL_CHECK(module.get() != this, "register_module", "a module cannot be its own child ('{}')", name);
  children_.emplace_back(name, std::move(module));
}

// ---------------------------------------------------------------- traversal

template <class F>
void Module::visit_tensors(const std::string& prefix, bool recurse, bool params, bool bufs, F&& f) const {
  if (params)
    for (const auto& [name, t] : parameters_) f(prefix + name, t);
  if (bufs)
    for (const auto& [name, t] : buffers_) f(prefix + name, t);
  if (!recurse) return;
  for (const auto& [name, child] : children_) child->visit_tensors(prefix + name + ".", true, params, bufs, f);
}

// NB: a tensor shared by several modules (weight tying, a module used twice) is listed once,
// under its first name, so an optimizer updates it once (PyTorch's remove_duplicate=True).
// state_dict keeps every name.
std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  std::unordered_set<const TensorImpl*> seen;
  visit_tensors("", recurse, true, false, [&](std::string name, const Tensor& t) {
    if (seen.insert(t.impl()).second) out.emplace_back(std::move(name), t);
  });
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  std::unordered_set<const TensorImpl*> seen;
  visit_tensors("", recurse, false, true, [&](std::string name, const Tensor& t) {
    if (seen.insert(t.impl()).second) out.emplace_back(std::move(name), t);
  });
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [name, child] : children_) out.push_back(child);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& t : parameters()) n += t.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (const auto& [name, child] : children_) child->train(on);
}

EvalModeGuard::EvalModeGuard(Module& module) {
  std::vector<Module*> unvisited{&module};  // the tree, depth first
  while (!unvisited.empty()) {
    Module* m = unvisited.back();
    unvisited.pop_back();
    modes_.emplace_back(m, m->training_);
    for (const auto& [name, child] : m->children_) unvisited.push_back(child.get());
  }
  module.eval();
}

EvalModeGuard::~EvalModeGuard() {
  for (const auto& [m, training] : modes_) m->training_ = training;
}

void Module::zero_grad() {
  for (auto& [name, t] : parameters_) t.zero_grad();
  for (const auto& [name, child] : children_) child->zero_grad();
}

// ---------------------------------------------------------------- state

StateDict Module::state_dict() const {
  StateDict out;
  // Per module: parameters, then buffers, then the children (PyTorch's order).
  auto visit = [&](auto&& self, const Module& m, const std::string& prefix) -> void {
    for (const auto& [name, t] : m.parameters_) out.emplace_back(prefix + name, t);
    for (const auto& [name, t] : m.buffers_) out.emplace_back(prefix + name, t);
    for (const auto& [name, child] : m.children_) self(self, *child, prefix + name + ".");
  };
  visit(visit, *this, "");
  return out;
}

namespace {
std::string quoted_list(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", \"" : "\"") + names[i] + "\"";
  return s;
}
}  // namespace

LoadStateResult Module::load_state_dict(const StateDict& state, bool strict) {
  StateDict own = state_dict();
  std::unordered_map<std::string, size_t> given;  // name -> index in `state`
  std::vector<std::string> duplicated, mismatched;
  for (size_t i = 0; i < state.size(); ++i)
    if (!given.emplace(state[i].first, i).second) duplicated.push_back(state[i].first);

  LoadStateResult result;
  std::vector<std::pair<Tensor, Tensor>> copies;  // (destination, source), written only if all is well
  std::unordered_set<std::string> own_names;
  for (const auto& [name, dst] : own) {
    own_names.insert(name);
    auto it = given.find(name);
    if (it == given.end()) {
      result.missing_keys.push_back(name);
      continue;
    }
    const Tensor& src = state[it->second].second;
    if (!src.defined()) {
      mismatched.push_back(fmt::format("\"{}\" is an undefined tensor", name));
    } else if (src.shape() != dst.shape() || src.dtype() != dst.dtype()) {
      mismatched.push_back(fmt::format("\"{}\" expects {} {}, got {} {}", name, shape_str(dst.shape()),
                                       dtype_name(dst.dtype()), shape_str(src.shape()), dtype_name(src.dtype())));
    } else {
      copies.emplace_back(dst, src);
    }
  }
  for (const auto& [name, t] : state)
    if (!own_names.count(name)) result.unexpected_keys.push_back(name);

  std::vector<std::string> problems;
  size_t n_problems = duplicated.size() + mismatched.size();
  if (strict) n_problems += result.missing_keys.size() + result.unexpected_keys.size();
  if (strict && !result.missing_keys.empty())
    problems.push_back("missing keys: " + quoted_list(result.missing_keys));
  if (strict && !result.unexpected_keys.empty())
    problems.push_back("unexpected keys: " + quoted_list(result.unexpected_keys));
  if (!duplicated.empty()) problems.push_back("duplicated keys: " + quoted_list(duplicated));
  if (!mismatched.empty()) problems.push_back("mismatched entries: " + fmt::format("{}", fmt::join(mismatched, "; ")));
  CAJAL_CHECK(problems.empty(), "load_state_dict", "cannot load into {} ({} problem{}): {}", type_name_,
              n_problems, n_problems == 1 ? "" : "s", fmt::format("{}", fmt::join(problems, "; ")));

  NoGradGuard no_grad;
  for (auto& [dst, src] : copies)
    if (!dst.is_same(src)) dst.copy_(src);
  return result;
}

Module& Module::to(DType dtype) {
  CAJAL_CHECK_TYPE(is_floating(dtype), "Module.to", "expected a floating dtype (float32 or float64), got {}",
                   dtype_name(dtype));
  NoGradGuard no_grad;
  // Moves the converted data into the existing impl: same handle, new storage/strides/dtype.
  auto convert_in_place = [dtype](TensorImpl& impl, const Tensor& converted) {
    impl.storage = converted.storage();
    impl.strides = converted.strides();
    impl.offset = converted.offset();
    impl.dtype = dtype;
    impl.recompute_layout();
  };
  auto convert = [&](const Tensor& t) {
    if (!t.is_floating_point() || t.dtype() == dtype) return;
    TensorImpl& impl = *t.impl();
    convert_in_place(impl, t.detach().to(dtype));
    if (impl.grad) convert_in_place(*impl.grad, Tensor(impl.grad).detach().to(dtype));
    // NB: the cached gradient accumulator recorded the old dtype; the next graph makes a new one.
    impl.grad_accumulator.reset();
  };
  for (auto& [name, t] : parameters_) convert(t);
  for (auto& [name, t] : buffers_) convert(t);
  for (auto& [name, child] : children_) child->to(dtype);
  return *this;
}

// ---------------------------------------------------------------- printing

std::string format_count(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

namespace {
// Indents every line after the first (PyTorch's _addindent).
std::string indent_tail(const std::string& s, int spaces) {
  std::string pad(size_t(spaces), ' ');
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}
std::string param_note(int64_t n) { return "  # " + format_count(n) + (n == 1 ? " param" : " params"); }
}  // namespace

std::string Module::repr() const {
  std::vector<std::string> lines;
  const std::string extra = extra_repr();
  if (!extra.empty() && !children_.empty()) {
    size_t start = 0;
    for (size_t nl; (nl = extra.find('\n', start)) != std::string::npos; start = nl + 1)
      lines.push_back(extra.substr(start, nl - start));
    lines.push_back(extra.substr(start));
  }
  for (const auto& [name, child] : children_) {
    std::string child_repr = child->repr();
    if (int64_t n = child->num_parameters(); n > 0) {
      size_t first_nl = child_repr.find('\n');
      child_repr.insert(first_nl == std::string::npos ? child_repr.size() : first_nl, param_note(n));
    }
    lines.push_back("(" + name + "): " + indent_tail(child_repr, 2));
  }
  if (children_.empty()) return type_name_ + "(" + extra + ")";
  std::string s = type_name_ + "(\n";
  for (const auto& line : lines) s += "  " + line + "\n";
  return s + ")";
}

std::string Module::to_string() const { return repr() + "\nTotal parameters: " + format_count(num_parameters()); }

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.to_string(); }

}  // namespace cajal::nn
