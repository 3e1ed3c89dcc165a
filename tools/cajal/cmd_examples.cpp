// `cajal examples [ID]`: recomputes the worked examples of the notes and prints each value
// beside the spec's correct one, plus what the notes themselves wrote where they slipped.
#include <fmt/color.h>

#include <iostream>

#include "cajal/examples/worked_examples.h"
#include "cajal/tools_registry.h"

namespace {

std::string short_json(const nlohmann::json& j) {
  std::string s = j.dump();
  return s.size() > 70 ? s.substr(0, 67) + "..." : s;
}

int run_examples(const std::string& only, bool verbose) {
  using namespace cajal::examples;
  nlohmann::json spec = load_spec();
  int mismatched = 0, complete = 0, partial = 0, uncovered = 0, shown = 0;
  for (const auto& entry : spec) {
    std::string id = entry.at("id");
    if (!only.empty() && id != only) continue;
    const WorkedExample* ex = nullptr;
    for (const auto& e : registry())
      if (e.id == id) ex = &e;
    ++shown;
    if (!ex) {
      fmt::print("{:<40} not covered yet\n", id);
      ++uncovered;
      continue;
    }
    nlohmann::json computed;
    try {
      computed = ex->compute(entry.at("inputs"));
    } catch (const std::exception& e) {
      fmt::print("{:<40} ERROR {}\n", id, e.what());
      ++mismatched;
      continue;
    }
    auto rows = compare(entry, computed);
    int bad = 0, missing = 0;
    for (auto& r : rows) {
      missing += r.missing;
      bad += !r.ok && !r.missing;
    }
    mismatched += bad > 0;
    (missing ? partial : complete) += bad == 0;
    const int matched = int(rows.size()) - bad - missing;
    fmt::print("{:<40} {}/{} values match the spec{}\n", id, matched, rows.size(),
               missing ? fmt::format(" ({} missing)", missing) : "");
    if (verbose || !only.empty() || bad || missing) {
      for (auto& r : rows) {
        if (r.missing)
          fmt::print("    MISSING {:<30} correct {}\n", r.key, short_json(r.expected));
        else if (verbose || !only.empty() || !r.ok)
          fmt::print("    {} {:<34} cajal {:<40} correct {}\n", r.ok ? "ok " : "BAD", r.key, short_json(r.computed),
                     short_json(r.expected));
      }
    }
    // What the notes wrote where they slipped, beside the correct value (the spec's notes).
    if (entry.contains("notes"))
      for (const auto& n : entry["notes"]) {
        std::string note = n.get<std::string>();
        if (verbose || !only.empty() || note.rfind("Discrepancy", 0) == 0) fmt::print("    notes: {}\n", note);
      }
  }
  if (!only.empty() && shown == 0) {
    std::string ids;
    for (const auto& e : spec) ids += " " + e.at("id").get<std::string>();
    fmt::print(stderr, "cajal examples: unknown example '{}'; valid ids:{}\n", only, ids);
    return 2;
  }
  // An entry with a mismatch counts as neither complete nor partial; only mismatches fail the run.
  fmt::print("{} examples: {} complete, {} partial, {} not covered; {} mismatches\n", shown, complete, partial,
             uncovered, mismatched);
  return mismatched ? 1 : 0;
}

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("examples", "Recompute the worked examples of the notes and compare with the spec");
  auto id = std::make_shared<std::string>();
  auto verbose = std::make_shared<bool>(false);
  cmd->add_option("id", *id, "Only this example (e.g. softmax_2_1_0p1)");
  cmd->add_flag("-v,--verbose", *verbose, "Print every value and the notes' slips");
  cmd->callback([id, verbose] { cajal::cli::exit_code_ref() = run_examples(*id, *verbose); });
});

}  // namespace
