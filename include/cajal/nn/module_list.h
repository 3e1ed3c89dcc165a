// Containers of modules of any forward signature, as PyTorch's ModuleList and ModuleDict: they
// register their entries as children (so parameters, state_dict, train/eval and the printed tree
// see them) and have no forward of their own; a model calls the entries it holds.
//
//   nn::ModuleList cells;
//   for (int l = 0; l < layers; ++l) cells.push_back(std::make_shared<Cell>(in, hidden));
//   auto [y, h] = cells[l].forward<std::tuple<Tensor, Tensor>>(x, h0);
//
// Entries are nn::AnyModule; `at<M>(i)` gives one back typed.
#pragma once
#include <string>
#include <vector>

#include "cajal/nn/any_module.h"

namespace cajal::nn {

class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}

  // Appends a module under the next index name ("0", "1", ...) and returns it, typed.
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    AnyModule any(module);
    add_child(std::to_string(entries_.size()), module);
    entries_.push_back(std::move(any));
    return module;
  }

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // The i-th entry (negative i counts from the end); throws cajal::Error (Index) when out of range.
  AnyModule& operator[](int64_t i);
  template <class M>
  std::shared_ptr<M> at(int64_t i) {
    return (*this)[i].get<M>();
  }
  std::vector<AnyModule>::iterator begin() { return entries_.begin(); }
  std::vector<AnyModule>::iterator end() { return entries_.end(); }

 private:
  std::vector<AnyModule> entries_;
};

class ModuleDict : public Module {
 public:
  ModuleDict() : Module("ModuleDict") {}

  // Adds a module under `key` (a valid child name: non-empty, no '.', not taken) and returns it.
  template <class M>
  std::shared_ptr<M> insert(const std::string& key, std::shared_ptr<M> module) {
    AnyModule any(module);
    add_child(key, module);
    entries_.emplace_back(key, std::move(any));
    return module;
  }

  size_t size() const { return entries_.size(); }
  bool contains(const std::string& key) const;
  // The entry under `key`; throws cajal::Error (Index) listing the keys when it is absent.
  AnyModule& operator[](const std::string& key);
  template <class M>
  std::shared_ptr<M> at(const std::string& key) {
    return (*this)[key].get<M>();
  }
  std::vector<std::string> keys() const;

 private:
  std::vector<std::pair<std::string, AnyModule>> entries_;  // insertion order, as PyTorch keeps it
};

}  // namespace cajal::nn
