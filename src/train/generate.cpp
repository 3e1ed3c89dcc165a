// Sampling from a language model (cajal/train/language_model.h) and loading a trained character
// model from its checkpoint.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "cajal/core/generator.h"
#include "cajal/io/checkpoint.h"
#include "cajal/models/registry.h"
#include "cajal/ops/ops.h"
#include "cajal/train/language_model.h"

namespace cajal::train {

namespace {

// The next token from one row of logits: argmax (temperature 0 or top_k 1), else a draw from
// softmax(logits / temperature) restricted to the top_k largest. Computed in double; ties in the
// top-k cut keep the lower ids.
int64_t sample_token(const Tensor& logits_row, const GenerateOptions& o, Generator& gen, std::vector<double>& p,
                     std::vector<int64_t>& order) {
  const std::vector<double> z = logits_row.to_vector<double>();
  const int64_t V = int64_t(z.size());
  if (o.temperature == 0 || o.top_k == 1) return int64_t(std::max_element(z.begin(), z.end()) - z.begin());
  order.resize(size_t(V));
  std::iota(order.begin(), order.end(), 0);
  const int64_t k = o.top_k > 0 ? std::min(o.top_k, V) : V;
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int64_t a, int64_t b) { return z[size_t(a)] > z[size_t(b)] || (z[size_t(a)] == z[size_t(b)] && a < b); });
  const double top = z[size_t(order[0])];
  p.resize(size_t(k));
  double total = 0;
  for (int64_t i = 0; i < k; ++i) total += p[size_t(i)] = std::exp((z[size_t(order[size_t(i)])] - top) / o.temperature);
  double u = gen.next_double() * total;
  for (int64_t i = 0; i < k; ++i) {
    u -= p[size_t(i)];
    if (u < 0) return order[size_t(i)];
  }
  return order[size_t(k - 1)];  // rounding left u at ~0
}

Tensor ids_tensor(const std::vector<int64_t>& ids, size_t begin) {
  std::vector<int64_t> part(ids.begin() + std::ptrdiff_t(begin), ids.end());
  return from_vector(part, {1, int64_t(part.size())});
}

}  // namespace

std::vector<int64_t> generate(models::LanguageModel& model, const std::vector<int64_t>& prompt,
                              const GenerateOptions& o) {
  CAJAL_CHECK(!prompt.empty(), "generate", "expected a prompt of at least one token, got an empty prompt");
  CAJAL_CHECK(o.length >= 0, "generate", "expected --length >= 0, got {}", o.length);
  CAJAL_CHECK(o.temperature >= 0 && std::isfinite(o.temperature), "generate",
              "expected --temperature >= 0 (0: greedy), got {}", o.temperature);
  CAJAL_CHECK(o.top_k >= 0, "generate", "expected --top-k >= 0 (0: all tokens), got {}", o.top_k);
  const int64_t V = model.vocab_size();
  for (int64_t t : prompt)
    CAJAL_CHECK_INDEX(t >= 0 && t < V, "generate", "expected prompt token ids in [0, {}), got {}", V, t);
  nn::EvalModeGuard eval_mode(model);
  NoGradGuard ng;
  Generator gen(o.seed);
  std::vector<double> p;
  std::vector<int64_t> order;
  const int64_t context = model.context_size();

  std::vector<int64_t> all = prompt, out;
  // The prompt's tail that fits the context (the whole prompt for a recurrent model).
  size_t begin = context > 0 && int64_t(all.size()) > context ? all.size() - size_t(context) : 0;
  models::LMState state;
  Tensor logits = model.advance(ids_tensor(all, begin), state);
  for (int64_t i = 0; i < o.length; ++i) {
    const int64_t next = sample_token(logits.select(1, logits.size(1) - 1).squeeze(0), o, gen, p, order);
    all.push_back(next);
    out.push_back(next);
    if (i + 1 == o.length) break;
    if (context > 0 && state.position + 1 > context) {
      // The context is full: read the last context - 1 tokens afresh (their positions restart at 0).
      state = {};
      logits = model.advance(ids_tensor(all, all.size() - size_t(context - 1)), state);
    } else {
      logits = model.advance(from_vector(std::vector<int64_t>{next}, {1, 1}), state);
    }
  }
  return out;
}

std::string generate_text(models::LanguageModel& model, const data::CharVocab& vocab, std::string_view prompt,
                          const GenerateOptions& o) {
  CAJAL_CHECK(!prompt.empty(), "generate", "expected a --prompt of at least one character, got an empty prompt");
  for (char c : prompt)
    CAJAL_CHECK_INDEX(vocab.contains(c), "generate",
                      "the prompt's character {} is not in the model's vocabulary ({} characters: {})",
                      describe_char(c), vocab.size(), describe_vocab(vocab));
  CAJAL_CHECK(vocab.size() == model.vocab_size(), "generate",
              "the vocabulary has {} characters but the model predicts {} tokens", vocab.size(), model.vocab_size());
  const std::vector<int64_t> ids = vocab.encode(prompt).to_vector<int64_t>();
  const std::vector<int64_t> out = generate(model, ids, o);
  return vocab.decode(from_vector(out, {int64_t(out.size())}));
}

CharCheckpoint load_char_checkpoint(const std::string& checkpoint, const std::string& task, const std::string& who,
                                    const std::string& kind) {
  io::Checkpoint ck = io::load_checkpoint(checkpoint);
  const std::string name = ck.metadata.value("model", std::string());
  const models::ModelSpec& spec = models::find_model(name);
  CAJAL_CHECK(spec.task == task, who, "expected a checkpoint of {}, got {} ({}, trained under the {} task)", kind,
              checkpoint, name, spec.task);
  const nlohmann::json info = ck.metadata.value("data_info", nlohmann::json::object());
  CAJAL_CHECK(info.contains("data"), who, "the checkpoint {} holds no vocabulary (data_info.data.vocab)", checkpoint);
  data::CharVocab vocab = vocab_of_checkpoint(info.at("data"));
  nlohmann::json config = spec.default_config;
  const nlohmann::json stored = ck.metadata.value("model_config", nlohmann::json::object());
  for (const auto& [k, v] : stored.items()) config[k] = v;
  std::shared_ptr<nn::Module> module = models::build_model(name, config);
  module->load_state_dict(ck.model);
  return {module, std::move(vocab), name};
}

CharModel load_char_model(const std::string& checkpoint) {
  CharCheckpoint c = load_char_checkpoint(checkpoint, "language_model", "generate",
                                          "a language model (cajal train charlstm, chargru, charmingru, ...)");
  models::LanguageModel& lm = models::as_language_model(*c.module, "generate");
  CAJAL_CHECK(lm.vocab_size() == c.vocab.size(), "generate",
              "the checkpoint {} stores a vocabulary of {} characters, but its model predicts {} tokens", checkpoint,
              c.vocab.size(), lm.vocab_size());
  return {c.module, &lm, std::move(c.vocab), c.name};
}

}  // namespace cajal::train
