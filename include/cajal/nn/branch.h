// Modules with more than one path through them: nn::Concat (every branch sees the input, their
// outputs are concatenated along a dim: channels for inception branches) and nn::Residual
// (activation(body(x) + shortcut(x)), the shortcut the identity unless given). The zoo's
// Inception and ResidualBlock (cajal/models/cnn.h) are these with torchvision's child names.
//
// Subclasses may route child calls through call_child (the zoo does, so `cajal summary` sees each
// child). A cajal::Error raised inside a child says which child it was (nn/layer_context.h).
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cajal/nn/module.h"

namespace cajal::nn {

class Concat : public UnaryModule {
 public:
  explicit Concat(int64_t dim = 1) : Concat("Concat", dim) {}
  Concat(std::vector<std::shared_ptr<UnaryModule>> branches, int64_t dim = 1);
  // A branch under its own name (the zoo's "branch1"...); push_back names it by position.
  template <class M>
  std::shared_ptr<M> add(const std::string& name, std::shared_ptr<M> m) {
    branches_.emplace_back(name, m.get());
    return register_module(name, std::move(m));
  }
  void push_back(std::shared_ptr<UnaryModule> m) { add(std::to_string(branches_.size()), std::move(m)); }
  size_t size() const { return branches_.size(); }
  int64_t dim() const { return dim_; }
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

 protected:
  Concat(std::string type_name, int64_t dim) : UnaryModule(std::move(type_name)), dim_(dim) {}
  virtual Tensor call_child(UnaryModule& m, const Tensor& x) { return m.forward(x); }

 private:
  std::vector<std::pair<std::string, UnaryModule*>> branches_;
  int64_t dim_;
};

class Residual : public UnaryModule {
 public:
  // Children "body" and (when given) "shortcut"; relu_after: ReLU on the sum (ResNet's), else none.
  explicit Residual(std::shared_ptr<UnaryModule> body, std::shared_ptr<UnaryModule> shortcut = nullptr,
                    bool relu_after = true);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  bool relu_after() const { return relu_after_; }

 protected:
  // For subclasses that register their own path (residual() computes it) and shortcut.
  Residual(std::string type_name, bool relu_after) : UnaryModule(std::move(type_name)), relu_after_(relu_after) {}
  void set_shortcut(const std::string& name, std::shared_ptr<UnaryModule> shortcut);
  UnaryModule* shortcut() const { return shortcut_; }
  virtual Tensor residual(const Tensor& x);  // body(x)
  virtual Tensor call_child(UnaryModule& m, const Tensor& x) { return m.forward(x); }

 private:
  UnaryModule* body_ = nullptr;
  UnaryModule* shortcut_ = nullptr;
  bool relu_after_;
};

}  // namespace cajal::nn
