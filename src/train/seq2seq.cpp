// Translation with a seq2seq model: vocabularies, greedy / beam translation, attention maps and
// checkpoint loading (train/seq2seq.h).
#include "cajal/train/seq2seq.h"

#include <sstream>

#include "cajal/autograd/grad_mode.h"
#include "cajal/io/checkpoint.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "cajal/train/plot.h"

namespace cajal::train {
namespace {

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Source id rows padded with <pad> to the longest: int64 (N, S).
Tensor source_batch(const text::TokenVocab& source, const std::vector<std::string>& sentences, size_t begin,
                    size_t end, const std::string& op) {
  std::vector<std::vector<int64_t>> rows;
  size_t longest = 0;
  for (size_t i = begin; i < end; ++i) {
    rows.push_back(source_ids(source, sentences[i], op));
    longest = std::max(longest, rows.back().size());
  }
  std::vector<int64_t> flat(rows.size() * longest, text::TokenVocab::kPad);
  for (size_t r = 0; r < rows.size(); ++r) std::copy(rows[r].begin(), rows[r].end(), flat.begin() + r * longest);
  return from_vector(flat, {int64_t(rows.size()), int64_t(longest)});
}

std::string join_ids(const text::TokenVocab& target, const std::vector<int64_t>& ids) {
  std::vector<int64_t> with_eos = ids;
  with_eos.push_back(text::TokenVocab::kEos);
  return target.decode(with_eos);
}

}  // namespace

Seq2SeqVocabs number_words_vocabs() {
  return {text::TokenVocab(text::number_words_source_tokens()), text::TokenVocab(text::number_words_target_tokens())};
}

nlohmann::json vocabs_to_json(const Seq2SeqVocabs& v) {
  auto plain = [](const text::TokenVocab& t) {
    return std::vector<std::string>(t.tokens().begin() + 3, t.tokens().end());
  };
  return {{"source", plain(v.source)}, {"target", plain(v.target)}};
}

Seq2SeqVocabs vocabs_from_json(const nlohmann::json& j, const std::string& op) {
  CAJAL_CHECK(j.is_object() && j.contains("source") && j.contains("target") && j.at("source").is_array() &&
                  j.at("target").is_array(),
              op, "expected the checkpoint's data description to hold the source and target vocabularies, got {}",
              j.dump());
  return {text::TokenVocab(j.at("source").get<std::vector<std::string>>()),
          text::TokenVocab(j.at("target").get<std::vector<std::string>>())};
}

std::vector<int64_t> source_ids(const text::TokenVocab& source, const std::string& sentence, const std::string& op) {
  bool single_chars = true;
  for (size_t i = 3; i < source.tokens().size(); ++i) single_chars = single_chars && source.tokens()[i].size() == 1;
  std::vector<int64_t> ids;
  for (const std::string& w : words(sentence)) {
    if (single_chars && !source.contains(w))
      for (char c : w) ids.push_back(source.id(std::string(1, c), op));
    else
      ids.push_back(source.id(w, op));
  }
  CAJAL_CHECK(!ids.empty(), op, "expected a sentence of at least one source token, got '{}'", sentence);
  return ids;
}

std::vector<std::string> translate_greedy(models::Seq2Seq& model, const Seq2SeqVocabs& v,
                                          const std::vector<std::string>& sentences, int64_t max_len) {
  NoGradGuard ng;
  std::vector<std::string> out;
  constexpr size_t kBatch = 256;
  for (size_t b = 0; b < sentences.size(); b += kBatch) {
    const size_t e = std::min(sentences.size(), b + kBatch);
    models::Seq2SeqDecoder decoder(model, source_batch(v.source, sentences, b, e, "translate"));
    for (const auto& ids : models::greedy_decode(decoder, int64_t(e - b), {.max_len = max_len}))
      out.push_back(join_ids(v.target, ids));
  }
  return out;
}

std::vector<std::string> translate_beam(models::Seq2Seq& model, const Seq2SeqVocabs& v,
                                        const std::vector<std::string>& sentences, models::BeamOptions options) {
  NoGradGuard ng;
  std::vector<std::string> out;
  for (size_t i = 0; i < sentences.size(); ++i) {
    models::Seq2SeqDecoder decoder(model, source_batch(v.source, sentences, i, i + 1, "translate"));
    const auto hyps = models::beam_search(decoder, options);
    out.push_back(hyps.empty() ? std::string() : join_ids(v.target, hyps[0].tokens));
  }
  return out;
}

std::vector<std::vector<double>> attention_weights(models::Seq2Seq& model, const Seq2SeqVocabs& v,
                                                   const std::string& source, const std::string& translation) {
  NoGradGuard ng;
  const Tensor src = source_batch(v.source, {source}, 0, 1, "translate");
  std::vector<int64_t> tgt = v.target.encode(translation, /*with_sos_eos=*/true, "translate");
  tgt.pop_back();  // the decoder reads <sos> y_1 .. y_n and predicts y_1 .. y_n <eos>
  Tensor weights;
  model.forward(src, from_vector(tgt, {1, int64_t(tgt.size())}), &weights);
  const Tensor w = to_dtype(select(weights, 0, 0), DType::f64).contiguous();  // (T, S)
  const double* p = w.data_ptr<double>();
  std::vector<std::vector<double>> rows(size_t(w.size(0)));
  for (int64_t t = 0; t < w.size(0); ++t) rows[size_t(t)].assign(p + t * w.size(1), p + (t + 1) * w.size(1));
  return rows;
}

bool write_attention_heatmap(models::Seq2Seq& model, const Seq2SeqVocabs& v, const std::string& source,
                             const std::string& translation, const std::string& path, std::string* why) {
  const auto weights = attention_weights(model, v, source, translation);
  std::vector<std::string> cols, rows = words(translation);
  for (int64_t id : source_ids(v.source, source, "translate")) cols.push_back(v.source.token(id));
  rows.push_back("<eos>");
  return plot_heatmap(path, "attention: " + source + " -> " + translation, weights, rows, cols, "source token",
                      "output token", why);
}

Seq2SeqModel load_seq2seq(const std::string& checkpoint, const std::string& op) {
  io::Checkpoint ck = io::load_checkpoint(checkpoint);
  const std::string name = ck.metadata.value("model", std::string());
  const models::ModelSpec& spec = models::find_model(name);
  CAJAL_CHECK(spec.task == "seq2seq", op,
              "expected a checkpoint of a seq2seq model (cajal train seq2seq), got {} ({}, trained under the {} task)",
              checkpoint, name, spec.task);
  const nlohmann::json info = ck.metadata.value("data_info", nlohmann::json::object());
  CAJAL_CHECK(info.contains("data"), op, "the checkpoint {} holds no vocabularies (data_info.data)", checkpoint);
  Seq2SeqVocabs vocabs = vocabs_from_json(info.at("data"), op);
  nlohmann::json config = spec.default_config;
  const nlohmann::json stored = ck.metadata.value("model_config", nlohmann::json::object());  // items() needs it alive
  for (const auto& [k, val] : stored.items()) config[k] = val;
  std::shared_ptr<nn::Module> module = models::build_model(name, config);
  module->load_state_dict(ck.model);
  module->eval();
  models::Seq2Seq& m = models::as_seq2seq(*module, op);
  CAJAL_CHECK(m.config().src_vocab == vocabs.source.size() && m.config().tgt_vocab == vocabs.target.size(), op,
              "the checkpoint {} stores vocabularies of {} and {} tokens, but its model reads {} and predicts {}",
              checkpoint, vocabs.source.size(), vocabs.target.size(), m.config().src_vocab, m.config().tgt_vocab);
  return {module, &m, std::move(vocabs)};
}

}  // namespace cajal::train
