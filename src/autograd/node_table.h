// NodeTable: the engine's map from graph node to its slot in one backward run.
//
// Why not std::unordered_map: that allocates a heap node per entry and hashes through a
// function call, which was most of the cost of a backward pass through many small ops. This is
// open addressing over a power-of-two array of pointers, grown by doubling: no allocation per node.
#pragma once
#include <cstdint>
#include <vector>

namespace cajal::autograd {

struct Node;

class NodeTable {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  // The slot of `n`; inserts it with slot `next_slot` when absent (then `inserted` is true).
  uint32_t insert(const Node* n, uint32_t next_slot, bool& inserted) {
    if ((count_ + 1) * 2 > keys_.size()) grow();
    size_t i = probe(n);
    inserted = keys_[i] == nullptr;
    if (inserted) {
      keys_[i] = n;
      slots_[i] = next_slot;
      ++count_;
    }
    return slots_[i];
  }
  uint32_t find(const Node* n) const {
    if (keys_.empty()) return kMissing;
    size_t i = probe(n);
    return keys_[i] == nullptr ? kMissing : slots_[i];
  }

 private:
  size_t probe(const Node* n) const {
    const size_t mask = keys_.size() - 1;
    size_t i = size_t((uintptr_t(n) >> 4) * 0x9E3779B97F4A7C15ull) & mask;
    while (keys_[i] != nullptr && keys_[i] != n) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<const Node*> old_keys = std::move(keys_);
    std::vector<uint32_t> old_slots = std::move(slots_);
    const size_t cap = old_keys.empty() ? 64 : old_keys.size() * 2;
    keys_.assign(cap, nullptr);
    slots_.assign(cap, 0);
    for (size_t j = 0; j < old_keys.size(); ++j) {
      if (old_keys[j] == nullptr) continue;
      size_t i = probe(old_keys[j]);
      keys_[i] = old_keys[j];
      slots_[i] = old_slots[j];
    }
  }

  std::vector<const Node*> keys_;
  std::vector<uint32_t> slots_;
  size_t count_ = 0;
};

}  // namespace cajal::autograd
