// ModuleList and ModuleDict lookups (see module_list.h).
#include "cajal/nn/module_list.h"

namespace cajal::nn {

AnyModule& ModuleList::operator[](int64_t i) {
  const int64_t n = int64_t(entries_.size());
  CAJAL_CHECK_INDEX(i >= -n && i < n, "ModuleList", "index {} is out of range for a ModuleList of {} modules", i, n);
  return entries_[size_t(i < 0 ? i + n : i)];
}

bool ModuleDict::contains(const std::string& key) const {
  for (const auto& [k, m] : entries_)
    if (k == key) return true;
  return false;
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> k;
  for (const auto& e : entries_) k.push_back(e.first);
  return k;
}

AnyModule& ModuleDict::operator[](const std::string& key) {
  for (auto& [k, m] : entries_)
    if (k == key) return m;
  std::string there;
  for (const auto& [k, m] : entries_) there += (there.empty() ? "" : ", ") + k;
  CAJAL_FAIL(Index, "ModuleDict", "no module under '{}'; keys: {}", key, there.empty() ? "none" : there);
}

}  // namespace cajal::nn
