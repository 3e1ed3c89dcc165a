// The worked examples of the lecture notes, recomputed by the library.
// Each example maps the inputs of ../shared/spec/worked-examples.json to every output it lists (an
// output it does not produce is reported missing); `cajal examples` prints them beside the spec's
// correct values and the notes' own (sometimes slipped) figures. An entry the library cannot compute
// yet is declared with CAJAL_WORKED_EXAMPLE_NOT_COVERED and the reason, so every spec entry is
// accounted for.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cajal::examples {

struct WorkedExample {
  std::string id;
  // inputs: the example's "inputs" object from the spec; returns computed outputs by key.
  // Empty for an entry declared not covered.
  std::function<nlohmann::json(const nlohmann::json& inputs)> compute;
  std::string not_covered;  // why the library cannot compute this entry yet (then compute is empty)
  bool covered() const { return bool(compute); }
};

std::vector<WorkedExample>& registry();
// The registered entry for `id`, or nullptr.
const WorkedExample* find_example(const std::string& id);
struct Register {
  Register(std::string id, std::function<nlohmann::json(const nlohmann::json&)> fn);
  // Declares the entry not covered; `reason` must say what is missing.
  Register(std::string id, const char* reason);
};

// Loads the spec (path: CAJAL_SPEC or <shared>/spec/worked-examples.json).
nlohmann::json load_spec(const std::string& path = "");

struct Comparison {
  std::string key;
  nlohmann::json computed, expected;
  bool ok;
  bool missing = false;  // the example did not produce this spec output (then ok is false)
};
// One row per top-level output of the spec entry, in key order: the computed value
// compared with the example's tolerance, or `missing` when the example did not produce it.
// Computed keys the spec does not list (extra diagnostics) are ignored.
std::vector<Comparison> compare(const nlohmann::json& spec_entry, const nlohmann::json& computed);

}  // namespace cajal::examples

#define CAJAL_EXAMPLE_CONCAT2(a, b) a##b
#define CAJAL_EXAMPLE_CONCAT(a, b) CAJAL_EXAMPLE_CONCAT2(a, b)
#define CAJAL_WORKED_EXAMPLE(id, ...) \
  static ::cajal::examples::Register CAJAL_EXAMPLE_CONCAT(cajal_example_, __LINE__)(id, __VA_ARGS__)
#define CAJAL_WORKED_EXAMPLE_NOT_COVERED(id, reason) \
  static ::cajal::examples::Register CAJAL_EXAMPLE_CONCAT(cajal_example_, __LINE__)(id, static_cast<const char*>(reason))
