// `cajal generate CKPT --prompt TEXT --length N [--temperature T] [--top-k K] [--seed S]`: text
// from a trained character language model (cajal train charlstm|chargru|charmingru), printed as
// the prompt followed by what the model wrote.
#include <iostream>

#include "cli_options.h"
#include "cajal/tools_registry.h"
#include "cajal/train/language_model.h"

namespace {

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("generate", "Write text with a trained character language model");
  auto ckpt = std::make_shared<std::string>();
  auto prompt = std::make_shared<std::string>("\n");
  auto opt = std::make_shared<cajal::train::GenerateOptions>();
  auto threads = std::make_shared<int>(0);
  cmd->add_option("checkpoint", *ckpt, "A checkpoint of cajal train charlstm, chargru or charmingru")->required();
  cmd->add_option("--prompt", *prompt, "Text the model continues (its characters must be in the model's vocabulary; "
                                       "default: a newline)");
  cmd->add_option("--length,--tokens", opt->length, "Characters to generate (default 200)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--temperature", opt->temperature, "Divide the logits by this before sampling; 0: greedy (default 1)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-k", opt->top_k, "Sample among the K most likely characters only; 0: all, 1: greedy")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", opt->seed, "Seed of the sampler: the same seed gives the same text (default 0)");
  cajal::cli::add_threads_option(cmd, threads);
  cmd->callback([ckpt, prompt, opt, threads] {
    cajal::cli::apply_threads(*threads);
    cajal::train::CharModel m = cajal::train::load_char_model(*ckpt);
    const std::string text = cajal::train::generate_text(*m.model, m.vocab, *prompt, *opt);
    std::cout << *prompt << text << std::endl;
  });
});

}  // namespace
