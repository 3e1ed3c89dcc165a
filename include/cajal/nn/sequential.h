// nn::Sequential: modules applied in order, named "0", "1", ... (so parameters read "0.weight").
// Convention: the Sequential holds shared pointers; the same module object appended twice runs
// twice with the same parameters (weight sharing), as in PyTorch.
//
//   auto mlp = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(784, 256),
//                                               std::make_shared<nn::ReLU>(),
//                                               std::make_shared<nn::Linear>(256, 10));
#pragma once
#include <type_traits>
#include <initializer_list>

#include "cajal/nn/module.h"

namespace cajal::nn {

class Sequential : public UnaryModule {
 public:
  Sequential() : UnaryModule("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<UnaryModule>> modules);
  template <class M0, class... Ms>
  explicit Sequential(std::shared_ptr<M0> first, std::shared_ptr<Ms>... rest) : Sequential() {
    push_back(std::move(first));
    (push_back(std::move(rest)), ...);
  }

  // Appends a module under the next index name and returns it, typed.
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    static_assert(std::is_base_of_v<UnaryModule, M>,
                  "Sequential chains one-tensor modules (nn::UnaryModule); hold others in a ModuleList");
    add_child(std::to_string(layers_.size()), module);
    layers_.push_back(module.get());
    return module;
  }

  // x -> m0(x) -> m1(...) -> ...; an empty Sequential is the identity.
  Tensor forward(const Tensor& x) override;

  size_t size() const { return layers_.size(); }
  bool empty() const { return layers_.empty(); }
  // The i-th module (negative i counts from the end).
  std::shared_ptr<UnaryModule> operator[](int64_t i) const;
  // The i-th module as type M; throws when it is not an M.
  template <class M>
  std::shared_ptr<M> at(int64_t i) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[i]);
    CAJAL_CHECK_TYPE(m != nullptr, "Sequential.at", "module {} is a {}, not the requested type", i,
                     (*this)[i]->type_name());
    return m;
  }

 private:
  std::vector<UnaryModule*> layers_;  // the children in order, for a forward without lookups
};

}  // namespace cajal::nn
