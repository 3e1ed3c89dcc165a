// `cajal word2vec train|similar|analogy`: word2vec embeddings (cajal/text/word2vec.h) from a text
// corpus, and queries on a vector file in the word2vec text or binary format.
#include <fmt/format.h>

#include "cli_options.h"
#include "cajal/text/word2vec.h"
#include "cajal/tools_registry.h"

namespace {

using namespace cajal;

// A vector file: binary when its name ends in ".bin", text otherwise.
text::WordVectors load_vectors(const std::string& path) {
  const bool binary = path.size() >= 4 && path.compare(path.size() - 4, 4, ".bin") == 0;
  return text::WordVectors::load(path, binary);
}

void print_neighbours(const std::vector<std::pair<std::string, double>>& ns) {
  for (const auto& [w, s] : ns) fmt::print("{:<24} {:.4f}\n", w, s);
}

CAJAL_CLI_COMMAND([](CLI::App& app) {
  auto* cmd = app.add_subcommand("word2vec", "word2vec embeddings: train on a corpus, query nearest words and analogies");
  cmd->require_subcommand(1);

  auto* train = cmd->add_subcommand("train", "Train skip-gram or CBOW with negative sampling; writes OUT.txt and OUT.bin "
                                             "(word2vec's text and binary formats, readable by gensim)");
  auto o = std::make_shared<text::Word2VecOptions>();
  auto corpus = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>("vectors");
  train->add_option("corpus", *corpus, "Text file: one sentence per line, words separated by whitespace")->required();
  train->add_option("--model", o->model, "skipgram | cbow");
  train->add_option("--dim", o->dim, "Vector size")->check(CLI::PositiveNumber);
  train->add_option("--window", o->window, "Largest window (each position draws 1..window)")->check(CLI::PositiveNumber);
  train->add_option("--negative", o->negative, "Noise words per positive pair")->check(CLI::PositiveNumber);
  train->add_option("--epochs", o->epochs, "Passes over the corpus")->check(CLI::PositiveNumber);
  train->add_option("--min-count", o->min_count, "Ignore words seen fewer times")->check(CLI::PositiveNumber);
  train->add_option("--sample", o->sample, "Subsampling threshold of frequent words (0: off)");
  train->add_option("--alpha", o->alpha, "Starting learning rate (default 0.025 skip-gram, 0.05 CBOW), falling linearly");
  train->add_option("--min-alpha", o->min_alpha, "Final learning rate");
  train->add_option("--phrases", o->phrases, "word2phrase passes joining frequent bigrams (new york -> new_york)");
  train->add_option("--phrase-threshold", o->phrase_threshold, "Score a bigram needs to become a phrase");
  train->add_option("--threads", o->threads, "Hogwild threads (1 with --seed: reproducible)")->check(CLI::PositiveNumber);
  train->add_option("--seed", o->seed, "Seed of the initial vectors and of every random draw");
  train->add_option("--out", *out, "Output prefix: writes OUT.txt and OUT.bin");
  train->callback([o, corpus, out] {
    text::Word2VecStats st;
    auto wv = text::train_word2vec(text::read_corpus(*corpus), *o, &st);
    wv.save_text(*out + ".txt");
    wv.save_binary(*out + ".bin");
    fmt::print("{} on {}: {} words in the vocabulary (min count {}), {} corpus words x {} epochs\n", o->model, *corpus,
               st.vocabulary, o->min_count, st.corpus_words, o->epochs);
    fmt::print("trained in {:.2f} s: {:.0f} words/s with {} thread{}\n", st.seconds, st.words_per_second, o->threads,
               o->threads == 1 ? "" : "s");
    fmt::print("vectors          {}.txt, {}.bin ({} x {})\n", *out, *out, wv.size(), wv.dim());
  });

  auto* similar = cmd->add_subcommand("similar", "The words nearest to WORD by cosine similarity");
  auto word = std::make_shared<std::string>();
  auto vectors = std::make_shared<std::string>("vectors.txt");
  auto k = std::make_shared<int64_t>(10);
  similar->add_option("word", *word, "A word of the vocabulary")->required();
  similar->add_option("--vectors", *vectors, "Vector file (.bin: binary format, else text)");
  similar->add_option("-k", *k, "How many neighbours")->check(CLI::PositiveNumber);
  similar->callback([word, vectors, k] { print_neighbours(load_vectors(*vectors).most_similar(*word, *k)); });

  auto* analogy = cmd->add_subcommand("analogy", "A - B + C: the words nearest to it by cosine (inputs excluded)");
  auto abc = std::make_shared<std::vector<std::string>>();
  analogy->add_option("words", *abc, "A B C (king man woman -> queen)")->required()->expected(3);
  analogy->add_option("--vectors", *vectors, "Vector file (.bin: binary format, else text)");
  analogy->add_option("-k", *k, "How many answers")->check(CLI::PositiveNumber);
  analogy->callback([abc, vectors, k] {
    const auto& w = *abc;
    print_neighbours(load_vectors(*vectors).analogy(w[0], w[1], w[2], *k));
  });
});

}  // namespace
