// `cajal examples [ID] [--json]`: recomputes the worked examples of the notes and prints each value
// beside the spec's correct one, plus what the notes themselves wrote where they slipped.
// Every top-level output of a spec entry counts: an entry is complete when it matches all of them,
// partial when some are not produced, a mismatch when any produced value is wrong; entries the
// library cannot compute yet are listed with the reason. Only mismatches make the exit status 1.
#include <fmt/color.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "cajal/examples/vanishing_gradient.h"
#include "cajal/examples/worked_examples.h"
#include "cajal/tools_registry.h"
#include "demo_universal_approximation.h"

namespace {

using nlohmann::json;

std::string short_json(const json& j) {
  std::string s = j.dump();
  return s.size() > 70 ? s.substr(0, 67) + "..." : s;
}

// One spec entry, recomputed and compared.
struct Result {
  std::string id, status;  // complete | partial | mismatch | not_covered
  std::string reason;      // not_covered: why; mismatch from an exception: its message
  std::vector<cajal::examples::Comparison> rows;
  int matched = 0, missing = 0, bad = 0;
};

Result evaluate(const json& entry) {
  using namespace cajal::examples;
  Result r;
  r.id = entry.at("id");
  const WorkedExample* ex = find_example(r.id);
  if (!ex || !ex->covered()) {
    r.status = "not_covered";
    r.reason = ex ? ex->not_covered : "no example registered and no reason declared";
    return r;
  }
  try {
    r.rows = compare(entry, ex->compute(entry.at("inputs")));
  } catch (const std::exception& e) {
    r.status = "mismatch";
    r.reason = std::string("error: ") + e.what();
    r.bad = 1;
    return r;
  }
  for (const auto& c : r.rows) {
    r.missing += c.missing;
    r.bad += !c.ok && !c.missing;
  }
  r.matched = int(r.rows.size()) - r.bad - r.missing;
  r.status = r.bad ? "mismatch" : r.missing ? "partial" : "complete";
  return r;
}

// Keys in reading order (summary first, then each entry's id and counts).
using ordered = nlohmann::ordered_json;

ordered to_json(const Result& r, const json& entry) {
  ordered j = {{"id", r.id}, {"status", r.status}, {"matched", r.matched},
            {"total", entry.at("outputs").size()}, {"missing", r.missing}, {"mismatched", r.bad}};
  if (!r.reason.empty()) j["reason"] = r.reason;
  ordered outs = ordered::array();
  for (const auto& c : r.rows) {
    ordered o = {{"key", c.key}, {"status", c.missing ? "missing" : c.ok ? "ok" : "mismatch"}};
    if (!c.missing) o["cajal"] = ordered(c.computed);
    o["correct"] = ordered(c.expected);
    outs.push_back(std::move(o));
  }
  j["outputs"] = std::move(outs);
  return j;
}

void print_text(const Result& r, const json& entry, bool detail) {
  if (r.status == "not_covered") {
    fmt::print("{:<40} not covered: {}\n", r.id, r.reason);
    return;
  }
  if (r.rows.empty()) {  // the example threw
    fmt::print("{:<40} ERROR {}\n", r.id, r.reason);
    return;
  }
  fmt::print("{:<40} {}/{} values match the spec{}\n", r.id, r.matched, r.rows.size(),
             r.missing ? fmt::format(" ({} missing)", r.missing) : "");
  for (const auto& c : r.rows) {
    if (c.missing)
      fmt::print("    MISSING {:<30} correct {}\n", c.key, short_json(c.expected));
    else if (detail || !c.ok)
      fmt::print("    {} {:<34} cajal {:<40} correct {}\n", c.ok ? "ok " : "BAD", c.key, short_json(c.computed),
                 short_json(c.expected));
  }
  // What the notes wrote where they slipped, beside the correct value (the spec's notes).
  if (entry.contains("notes"))
    for (const auto& n : entry["notes"]) {
      std::string note = n.get<std::string>();
      if (detail || note.rfind("Discrepancy", 0) == 0) fmt::print("    notes: {}\n", note);
    }
}

int run_examples(const std::string& only, bool verbose, bool as_json) {
  using namespace cajal::examples;
  json spec = load_spec();
  std::map<std::string, int> count;
  ordered entries = ordered::array();
  int shown = 0;
  for (const auto& entry : spec) {
    if (!only.empty() && entry.at("id") != only) continue;
    ++shown;
    Result r = evaluate(entry);
    ++count[r.status];
    if (as_json)
      entries.push_back(to_json(r, entry));
    else
      print_text(r, entry, verbose || !only.empty());
  }
  if (!only.empty() && shown == 0) {
    std::string ids;
    for (const auto& e : spec) ids += " " + e.at("id").get<std::string>();
    fmt::print(stderr, "cajal examples: unknown example '{}'; valid ids:{}\n", only, ids);
    return 2;
  }
  // An entry with a mismatch counts as neither complete nor partial.
  if (as_json) {
    ordered summary = {{"examples", shown},          {"complete", count["complete"]},
                    {"partial", count["partial"]}, {"not_covered", count["not_covered"]},
                    {"mismatches", count["mismatch"]}};
    std::cout << ordered{{"summary", summary}, {"examples", entries}}.dump(1) << "\n";
  } else {
    fmt::print("{} examples: {} complete, {} partial, {} not covered; {} mismatches\n", shown, count["complete"],
               count["partial"], count["not_covered"], count["mismatch"]);
  }
  return count["mismatch"] ? 1 : 0;
}

// The notes' demonstrations that are pictures rather than numbers of the spec.
int run_vanishing_gradient(const std::string& out_dir) {
  const auto v = cajal::examples::vanishing_gradient();
  fmt::print("{}", cajal::examples::format_vanishing_gradient(v));
  const std::string path = (out_dir.empty() ? std::string(".") : out_dir) + "/vanishing_gradient.png";
  std::string why;
  if (cajal::examples::plot_vanishing_gradient(v, path, &why))
    fmt::print("wrote {}\n", path);
  else
    fmt::print("no plot {}: {}\n", path, why);
  return 0;
}

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("examples", "Recompute the worked examples of the notes and compare with the spec");
  auto id = std::make_shared<std::string>();
  auto verbose = std::make_shared<bool>(false);
  auto as_json = std::make_shared<bool>(false);
  auto out = std::make_shared<std::string>(".");
  cmd->add_option("id", *id, "Only this example (e.g. softmax_2_1_0p1); or vanishing_gradient: |dL/dx_t| of a tanh "
                             "RNN and an LSTM by distance, printed and drawn; or universal_approximation: the notes' "
                             "construction measured for N = 4..1024 bumps, with a plot");
  cmd->add_flag("-v,--verbose", *verbose, "Print every value and the notes' slips");
  cmd->add_flag("--json", *as_json, "Print one JSON document: a summary and, per example, every output compared");
  cmd->add_option("--out", *out, "vanishing_gradient, universal_approximation: the folder of the plot (and table)");
  cmd->callback([id, verbose, as_json, out] {
    if (*id == "vanishing_gradient") {
      std::filesystem::create_directories(*out);
      cajal::cli::exit_code_ref() = run_vanishing_gradient(*out);
      return;
    }
    cajal::cli::exit_code_ref() = *id == "universal_approximation" ? cajal::cli::run_universal_approximation(*out)
                                                                    : run_examples(*id, *verbose, *as_json);
  });
});

}  // namespace
