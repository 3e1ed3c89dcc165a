// Translating with a trained seq2seq model (models/seq2seq.h): the vocabularies a checkpoint keeps,
// batched greedy and beam-search translation of sentences, and the attention heat map. Shared by
// the seq2seq task (train/task_seq2seq.cpp) and `cajal translate`.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cajal/models/decoding.h"
#include "cajal/models/seq2seq.h"
#include "cajal/text/parallel_corpus.h"

namespace cajal::train {

struct Seq2SeqVocabs {
  text::TokenVocab source, target;
};

// The number -> words corpus's vocabularies.
Seq2SeqVocabs number_words_vocabs();
// {"source": [tokens without specials], "target": [...]}, as the checkpoint's data_info "data" keeps them.
nlohmann::json vocabs_to_json(const Seq2SeqVocabs& v);
Seq2SeqVocabs vocabs_from_json(const nlohmann::json& j, const std::string& op);

// A sentence's source tokens: split on whitespace; when every source token is one character (the
// number corpus's digits), a word is split into its characters too, so "4027" reads as "4 0 2 7".
// A token outside the vocabulary, or no token, is a cajal::Error naming `op`.
std::vector<int64_t> source_ids(const text::TokenVocab& source, const std::string& sentence, const std::string& op);

// Translations (target words joined by spaces) of every sentence: greedy decodes in batches of 256,
// beam search one sentence at a time. max_len: generated tokens at most, <eos> included.
std::vector<std::string> translate_greedy(models::Seq2Seq& model, const Seq2SeqVocabs& v,
                                          const std::vector<std::string>& sentences, int64_t max_len = 20);
std::vector<std::string> translate_beam(models::Seq2Seq& model, const Seq2SeqVocabs& v,
                                        const std::vector<std::string>& sentences, models::BeamOptions options);

// The attention weights of `translation` given `source` (teacher-forced, <eos> included as the
// last row): [target tokens + 1][source tokens].
std::vector<std::vector<double>> attention_weights(models::Seq2Seq& model, const Seq2SeqVocabs& v,
                                                   const std::string& source, const std::string& translation);
// attention_weights drawn as a PNG heat map (plot_heatmap); false with `why` without PLplot.
bool write_attention_heatmap(models::Seq2Seq& model, const Seq2SeqVocabs& v, const std::string& source,
                             const std::string& translation, const std::string& path, std::string* why = nullptr);

// A seq2seq checkpoint's model (eval mode) with its vocabularies; another kind of checkpoint is a
// cajal::Error naming `op`.
struct Seq2SeqModel {
  std::shared_ptr<nn::Module> module;
  models::Seq2Seq* model = nullptr;
  Seq2SeqVocabs vocabs;
};
Seq2SeqModel load_seq2seq(const std::string& checkpoint, const std::string& op = "translate");

}  // namespace cajal::train
