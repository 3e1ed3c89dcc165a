// `cajal translate CKPT "SENTENCE" [--beam K] [--length-penalty A] [--heatmap out.png]`: the
// translation of a sentence by a trained seq2seq model (cajal train seq2seq), greedy or by beam
// search, and optionally the attention weights of that translation as a PNG heat map.
#include <iostream>

#include "cli_options.h"
#include "cajal/core/error.h"
#include "cajal/tools_registry.h"
#include "cajal/train/seq2seq.h"

namespace {

struct TranslateArgs {
  std::string checkpoint, sentence, heatmap;
  int64_t beam = 1, max_len = 20;
  double length_penalty = 1.0;
  int threads = 0;
};

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("translate", "Translate a sentence with a trained seq2seq model");
  auto a = std::make_shared<TranslateArgs>();
  cmd->add_option("checkpoint", a->checkpoint, "A checkpoint of cajal train seq2seq")->required();
  cmd->add_option("sentence", a->sentence, "The source sentence (the number corpus: digits, e.g. 4027)")->required();
  cmd->add_option("--beam", a->beam, "Beam width; 1: greedy decoding (default 1)");
  cmd->add_option("--length-penalty", a->length_penalty,
                  "Beam search ranks log p / length^A (default 1; 0: raw log-probability)");
  cmd->add_option("--max-len", a->max_len, "Most tokens to generate, <eos> included (default 20)");
  cmd->add_option("--heatmap", a->heatmap, "Write the attention weights of the translation to this PNG");
  auto threads = std::make_shared<int>(0);
  cajal::cli::add_threads_option(cmd, threads);
  cmd->callback([a, threads] {
    cajal::cli::apply_threads(*threads);
    CAJAL_CHECK(a->beam >= 1, "translate", "expected --beam >= 1, got {}", a->beam);
    CAJAL_CHECK(a->max_len >= 1, "translate", "expected --max-len >= 1, got {}", a->max_len);
    cajal::train::Seq2SeqModel m = cajal::train::load_seq2seq(a->checkpoint);
    const std::string out =
        a->beam == 1
            ? cajal::train::translate_greedy(*m.model, m.vocabs, {a->sentence}, a->max_len).at(0)
            : cajal::train::translate_beam(*m.model, m.vocabs, {a->sentence},
                                           {{.max_len = a->max_len}, a->beam, a->length_penalty})
                  .at(0);
    std::cout << out << std::endl;
    if (!a->heatmap.empty()) {
      std::string why;
      CAJAL_CHECK_KIND(cajal::train::write_attention_heatmap(*m.model, m.vocabs, a->sentence, out, a->heatmap, &why),
                       IO, "translate", "cannot write the heat map {}: {}", a->heatmap, why);
      std::cerr << "attention heat map: " << a->heatmap << std::endl;
    }
  });
});

}  // namespace
