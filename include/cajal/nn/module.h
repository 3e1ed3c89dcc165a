// nn::Module: the base class of every layer and model (nn::UnaryModule below: the one-tensor ones) — named parameters, buffers and child
// modules, train/eval mode, state_dict save/load, dtype conversion and a printed tree.
//
// Convention: modules live in std::shared_ptr (make them with std::make_shared) and a layer keeps
// its tensors as plain `Tensor` members that alias the registered ones. Every name a module
// reports is dotted from the module it was asked on: "0.weight", "encoder.fc1.bias", in
// registration order (own parameters first, then each child's, depth first) — PyTorch's order.
//
//   struct Net : nn::UnaryModule {
//     std::shared_ptr<nn::Linear> fc1, fc2;
//     Net() : UnaryModule("Net") {
//       fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, 256));
//       fc2 = register_module("fc2", std::make_shared<nn::Linear>(256, 10));
//     }
//     Tensor forward(const Tensor& x) override { return (*fc2)(relu((*fc1)(x))); }
//   };
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cajal/core/state_dict.h"
#include "cajal/core/tensor.h"

namespace cajal::nn {

// What load_state_dict(..., strict=false) skipped (strict loading throws instead).
struct LoadStateResult {
  std::vector<std::string> missing_keys;     // the module has them, the state dict does not
  std::vector<std::string> unexpected_keys;  // the state dict has them, the module does not
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  // `type_name` is what the printed tree shows ("Linear", "Sequential", "Net").
  explicit Module(std::string type_name = "Module");
  virtual ~Module() = default;
  Module(const Module&) = delete;  // copying would alias the parameters; share the pointer instead
  Module& operator=(const Module&) = delete;

  const std::string& type_name() const { return type_name_; }

  // --- registration (names: non-empty, no '.', unique among parameters, buffers and children) ---
  // Registers a floating leaf tensor as a parameter and sets requires_grad (unless told not to).
  // Returns the same tensor handle, so `weight = register_parameter("weight", ...)` aliases it.
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  // A buffer is state that is saved and converted with the module but not trained (running means).
  Tensor register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  // --- traversal (a tensor shared by several modules is listed once, under its first name) ---
  std::vector<Tensor> parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  int64_t num_parameters() const;  // total element count of parameters() (shared ones once)

  // --- mode ---
  // Sets training mode on this module and every descendant (Dropout, BatchNorm read it).
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // --- state ---
  // Parameters then buffers of each module, depth first, with dotted names. The tensors are the
  // live ones (no copy): save them, or clone them to snapshot.
  StateDict state_dict() const;
  // Copies `state` into the module's tensors in place (NoGradGuard + copy_), so optimizers and
  // other holders of the parameter handles see the new values. Everything is validated before
  // anything is written: with strict=true missing and unexpected keys are errors; shape and dtype
  // mismatches are always errors. One cajal::Error names every problem at once.
  LoadStateResult load_state_dict(const StateDict& state, bool strict = true);

  // Converts every floating parameter and buffer (and its .grad) to `dtype` in place.
  // NB: the TensorImpl of each tensor receives the converted storage, strides and dtype, so every
  // handle (layer members, optimizer state) stays valid and sees the new dtype. Call it before
  // recording a graph: a graph recorded earlier still refers to the old values.
  Module& to(DType dtype);
  // Drops every parameter's .grad (PyTorch's set_to_none=True).
  void zero_grad();

  // The module tree, as PyTorch prints it, with a parameter count after each sub-module that has
  // parameters and the total at the end:
  //   Sequential(
  //     (0): Linear(in_features=784, out_features=256, bias=True)  # 200,960 params
  //     (1): ReLU()
  //   )
  //   Total parameters: 200,960
  std::string to_string() const;
  // The part inside the parentheses of this module's line ("in_features=784, ..."); "" by default.
  virtual std::string extra_repr() const { return ""; }

 protected:
  void add_child(const std::string& name, std::shared_ptr<Module> module);

  bool training_ = true;

 private:
  friend class EvalModeGuard;
  void check_new_name(const std::string& name, const char* what) const;
  template <class F>
  void visit_tensors(const std::string& prefix, bool recurse, bool params, bool bufs, F&& f) const;
  std::string repr() const;  // the tree without the total line

  std::string type_name_;
  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// Eval mode for a scope (evaluating, sampling, exporting, summarising a model that may be
// training), then each module of the tree back in its own mode: a sub-module frozen in eval stays
// so, and a container made only for the call (the Python exporter's Sequential around a model's
// layers) does not switch those layers to training. Also on an exception.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(Module& module);
  ~EvalModeGuard();
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  std::vector<std::pair<Module*, bool>> modes_;
};

// A module of one tensor in and one tensor out: every layer, Sequential, and the models the
// classification and reconstruction tasks train. A module of another signature (an RNN cell
// (x, h) -> (y, h), a VAE encoder x -> (mu, logvar)) derives from Module directly and declares its
// own `forward`; nn::AnyModule (any_module.h) calls either kind through one interface.
class UnaryModule : public Module {
 public:
  using Module::Module;
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
};

// `m` as a one-tensor module; throws cajal::Error (Type) naming `who` and the module when its
// forward is of another signature.
UnaryModule& as_unary(Module& m, const std::string& who);

std::ostream& operator<<(std::ostream& os, const Module& m);

// "235,146": integers with thousands separators, as the printed tree and summaries show counts.
std::string format_count(int64_t n);

}  // namespace cajal::nn
