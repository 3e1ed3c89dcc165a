// `cajal fill-mask CKPT "TEXT with [MASK]" [--top-k K]`: the most likely characters for each
// [MASK] of a text, by a trained masked language model (cajal train bert), with their
// probabilities, and the text with each [MASK] filled by the most likely one.
#include <iostream>

#include "cli_options.h"
#include "cajal/tools_registry.h"
#include "cajal/train/language_model.h"
#include "cajal/train/masked_language_model.h"

namespace {

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("fill-mask", "Fill in the [MASK]s of a text with a trained masked language model");
  auto ckpt = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  auto top_k = std::make_shared<int64_t>(5);
  auto threads = std::make_shared<int>(0);
  cmd->add_option("checkpoint", *ckpt, "A checkpoint of cajal train bert")->required();
  cmd->add_option("text", *text, "Text with one or more [MASK] (each stands for one character)")->required();
  cmd->add_option("--top-k", *top_k, "Characters to list for each [MASK] (default 5)");
  cajal::cli::add_threads_option(cmd, threads);
  cmd->callback([ckpt, text, top_k, threads] {
    cajal::cli::apply_threads(*threads);
    cajal::train::MaskedModel m = cajal::train::load_masked_model(*ckpt);
    const auto fills = cajal::train::fill_mask(*m.model, m.vocab, *text, *top_k, *ckpt);
    std::cout << *text << "\n";
    for (size_t i = 0; i < fills.size(); ++i) {
      std::cout << fmt::format("[MASK] {} of {} (token {}):", i + 1, fills.size(), fills[i].position);
      for (const auto& [c, p] : fills[i].top) std::cout << fmt::format("  {} {:.4f}", cajal::train::describe_char(c), p);
      std::cout << "\n";
    }
    std::cout << "filled: " << cajal::train::fill_best(*text, fills) << std::endl;
  });
});

}  // namespace
