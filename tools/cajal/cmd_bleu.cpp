// `cajal bleu HYPOTHESES REFERENCES... [--max-n N] [--smoothing M] [--lowercase] [--json]`: corpus
// BLEU of a file of hypotheses (one sentence per line, whitespace tokens) against one or more
// reference files with a line per hypothesis, with the n-gram precisions and the brevity penalty
// (cajal/text/bleu.h). Files of different line counts are an error naming both counts.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cajal/core/error.h"
#include "cajal/text/bleu.h"
#include "cajal/tools_registry.h"

namespace {

std::vector<cajal::text::Sentence> read_sentences(const std::string& path, bool lowercase) {
  std::ifstream in(path);
  if (!in) throw cajal::Error(cajal::ErrorKind::IO, "bleu", fmt::format("cannot open '{}'", path));
  std::vector<cajal::text::Sentence> out;
  for (std::string line; std::getline(in, line);) out.push_back(cajal::text::tokenize(line, lowercase));
  return out;
}

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("bleu", "Corpus BLEU of a hypothesis file against reference files (a line each)");
  auto hyp_path = std::make_shared<std::string>();
  auto ref_paths = std::make_shared<std::vector<std::string>>();
  auto max_n = std::make_shared<int>(4);
  auto smoothing = std::make_shared<std::string>("method0");
  auto lowercase = std::make_shared<bool>(false);
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("hypotheses", *hyp_path, "Hypotheses, one sentence per line")->required();
  cmd->add_option("references", *ref_paths, "Reference files, each with one line per hypothesis")->required();
  cmd->add_option("--max-n", *max_n, "Largest n-gram order (uniform weights 1/N)");
  cmd->add_option("--smoothing", *smoothing, "nltk's smoothing method0..method7 (method0: none)");
  cmd->add_flag("--lowercase", *lowercase, "Compare lowercased tokens");
  cmd->add_flag("--json", *as_json, "Print the score and its ingredients as JSON");
  cmd->callback([=] {
    namespace text = cajal::text;
    CAJAL_CHECK(*max_n >= 1, "bleu", "expected --max-n >= 1, got {}", *max_n);
    const auto hyps = read_sentences(*hyp_path, *lowercase);
    std::vector<std::vector<text::Sentence>> refs(hyps.size());
    for (const auto& path : *ref_paths) {
      const auto r = read_sentences(path, *lowercase);
      CAJAL_CHECK(r.size() == hyps.size(), "bleu", "expected {} lines in '{}' (one per hypothesis), got {}",
                  hyps.size(), path, r.size());
      for (size_t i = 0; i < r.size(); ++i) refs[i].push_back(r[i]);
    }
    text::BleuOptions o;
    o.weights.assign(size_t(*max_n), 1.0 / *max_n);
    o.smoothing = text::smoothing_from_name(*smoothing);
    const text::BleuStats s = text::corpus_bleu_stats(refs, hyps, o);
    if (*as_json) {
      nlohmann::ordered_json j{{"bleu", s.bleu},         {"brevity_penalty", s.brevity_penalty},
                               {"matches", s.matches},   {"totals", s.totals},
                               {"hypothesis_length", s.hypothesis_length},
                               {"reference_length", s.reference_length}};
      std::cout << j.dump(1) << "\n";
      return;
    }
    std::cout << fmt::format("BLEU-{} = {:.4f}  (brevity penalty {:.4f}, hypothesis length {}, reference length {})\n",
                             *max_n, s.bleu, s.brevity_penalty, s.hypothesis_length, s.reference_length);
    for (size_t n = 0; n < s.matches.size(); ++n)
      std::cout << fmt::format("  p{} = {}/{} = {:.4f}\n", n + 1, s.matches[n], s.totals[n],
                               double(s.matches[n]) / double(s.totals[n]));
  });
});

}  // namespace
