// The language_model task: next-character prediction on a text file (models::LanguageModel).
//
// Data: the file's bytes (data::CharVocab; the vocabulary goes into the checkpoint as data_info
// "data"."vocab", byte values in token order, so `cajal generate` and `cajal eval` read text with
// the training run's ids). The text is split in order: the first 90% train, then 5% validation
// (when cfg.validation_size > 0; otherwise the train part keeps it) and the last 5% test. Each split
// is cut into consecutive windows of seq_len + 1 characters (an epoch reads every character once);
// example i predicts window i shifted by one. load_char_windows, below, does this for the
// masked_language_model task too (with one more id, [MASK]).
//
// A step reads its windows in pieces of cfg.bptt characters (truncated BPTT): forward from the
// carried state, cross-entropy, descend (with the run's gradient clipping), then the state detached
// for the next piece. bptt 0 = the whole window: full BPTT and one update per batch, the charlstm
// recipe of WORKLOADS.md.
//
// Metrics: loss (mean cross-entropy per character, nats), bpc (bits per character, loss / ln 2) and
// perplexity (exp(loss)). Validation and test perplexities are exp of the mean loss; an epoch's train
// perplexity is the mean of its batches' (the trainer averages metrics over steps).
#include <cmath>
#include <filesystem>
#include <numbers>

#include "cajal/data/dataloader.h"
#include "cajal/data/text.h"
#include "cajal/models/language_model.h"
#include "cajal/ops/ops.h"
#include "cajal/train/language_model.h"
#include "cajal/train/trainer.h"

namespace cajal::train {

namespace {

constexpr int64_t kDefaultSeqLen = 64;     // WORKLOADS.md's charlstm window
constexpr double kHeldOutFraction = 0.05;  // validation, and test, each this share of the text

Metrics lm_metrics(double loss) {
  return {{"loss", loss}, {"bpc", loss / std::numbers::ln2}, {"perplexity", std::exp(loss)}};
}

// Mean cross-entropy of logits [B, T, V] against ids [B, T].
Tensor next_token_loss(const Tensor& logits, const Tensor& targets, Reduction reduction = Reduction::Mean) {
  const int64_t V = logits.size(-1);
  return cross_entropy(logits.reshape({-1, V}), targets.reshape({-1}), {.reduction = reduction});
}

class LanguageModelTask : public Task {
 public:
  std::string name() const override { return "language_model"; }
  std::vector<std::string> metric_names() const override { return {"loss", "bpc", "perplexity"}; }
  std::string default_data() const override {
    return std::filesystem::path(data::tinyshakespeare_path()).lexically_normal().string();  // no "repo/../"
  }

  TaskData load_data(const TrainConfig& cfg, const models::ModelSpec& model) override {
    bptt_ = cfg.bptt;
    return load_char_windows(cfg, model, name());
  }

  StepResult train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& b) override {
    models::LanguageModel& lm = models::as_language_model(model, name());
    const int64_t T = b.input.size(1);
    const int64_t piece = bptt_ > 0 ? std::min(bptt_, T) : T;
    CAJAL_CHECK(lm.context_size() == 0 || (piece == T && T <= lm.context_size()), name(),
                "{} reads at most {} tokens at once and carries no state between pieces: expected --seq-len <= {} "
                "and no --bptt, got --seq-len {} --bptt {}",
                model.type_name(), lm.context_size(), lm.context_size(), T, bptt_);
    models::LMState state;
    double loss_sum = 0;
    for (int64_t t0 = 0; t0 < T; t0 += piece) {
      const int64_t len = std::min(piece, T - t0);
      const Tensor ids = b.input.narrow(1, t0, len).contiguous();
      // A whole window needs no state out: forward (a transformer's masked forward, no cache).
      Tensor logits = piece == T ? lm.forward(ids) : lm.advance(ids, state);
      Tensor loss = next_token_loss(logits, b.target.narrow(1, t0, len).contiguous());
      descend(*optimizers.at(0).optimizer, loss);
      state.detach_();  // truncation: the next piece's backward stops at this state
      loss_sum += loss.item() * double(len);
    }
    return {lm_metrics(loss_sum / double(T)), b.input.size(0)};
  }

  Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    models::LanguageModel& lm = models::as_language_model(model, name());
    nn::EvalModeGuard eval_mode(model);
    NoGradGuard ng;
    data::DataLoader loader(dataset, 64, /*shuffle=*/false);
    double sum = 0;
    int64_t count = 0;
    for (data::Batch& b : loader) {
      sum += next_token_loss(lm.forward(b.input), b.target, Reduction::Sum).item();
      count += b.target.numel();
    }
    return lm_metrics(count ? sum / double(count) : NAN);
  }

  // A sample of what the model writes, continuing the test split's first characters.
  TaskOutputs finish(nn::Module& model, const TaskData& data, const std::string&) override {
    const auto& test = dynamic_cast<const data::CharSequenceDataset&>(*data.test);
    const data::CharVocab vocab = vocab_of_checkpoint(data.info.at("data"));
    const int64_t prompt_len = std::min<int64_t>(16, test.tokens().numel());
    const std::string prompt = vocab.decode(test.tokens().narrow(0, 0, prompt_len));
    std::string sample = prompt + generate_text(models::as_language_model(model, name()), vocab, prompt,
                                                {.length = 120, .temperature = 0.8, .seed = 0});
    return {{}, {fmt::format("sample (temperature 0.8, after the test text's first {} characters):", prompt_len), sample}};
  }

 private:
  int64_t bptt_ = 0;
};

const RegisterTask kLanguageModel({"language_model",
                                   "next character of a text: cross-entropy, bits per character, perplexity",
                                   [] { return std::make_unique<LanguageModelTask>(); }});

}  // namespace

TaskData load_char_windows(const TrainConfig& cfg, const models::ModelSpec& model, const std::string& task,
                           int64_t reserved_tokens) {
  const bool evaluating = !cfg.trained_data.is_null();
  const std::string text = data::load_text(cfg.data);
  CAJAL_CHECK(!text.empty(), task, "expected a text to learn from, got an empty file {}", cfg.data);
  const data::CharVocab vocab = evaluating ? vocab_of_checkpoint(cfg.trained_data) : data::CharVocab(text);
  if (evaluating) check_in_vocabulary(vocab, text, cfg.data, cfg.trained_data.value("checkpoint", std::string()));
  const int64_t T = evaluating ? cfg.trained_data.value("seq_len", kDefaultSeqLen)
                               : (cfg.seq_len > 0 ? cfg.seq_len : kDefaultSeqLen);
  const Tensor tokens = vocab.encode(text);
  const int64_t n = tokens.numel();

  // The splits, in the text's order: train | validation | test.
  const int64_t held = int64_t(double(n) * kHeldOutFraction);
  int64_t test_begin = n - held, val_begin = test_begin - (cfg.validation_size > 0 ? held : 0);
  if (evaluating && cfg.whole_as_test) val_begin = test_begin = 0;
  auto windows = [&](int64_t begin, int64_t end, const char* split) -> std::shared_ptr<data::Dataset> {
    CAJAL_CHECK(end - begin > T, task,
                "the {} part of {} ({} of {} characters) is too short for one window of --seq-len {} plus the "
                "next character; give a longer text or a smaller --seq-len",
                split, cfg.data, end - begin, n, T);
    return std::make_shared<data::CharSequenceDataset>(tokens.narrow(0, begin, end - begin), T, T);
  };
  TaskData d;
  d.test = windows(test_begin, n, "test");
  if (!(evaluating && cfg.whole_as_test)) {
    d.train = windows(0, val_begin, "training");
    if (val_begin < test_begin) d.val = windows(val_begin, test_begin, "validation");
  }
  std::vector<int64_t> bytes;
  for (char c : vocab.chars()) bytes.push_back(int64_t(uint8_t(c)));
  const int64_t vocab_size = vocab.size() + reserved_tokens;
  d.info = {{"data", {{"vocab", bytes}, {"seq_len", T}, {"characters", n}}}, {"vocab_size", vocab_size}};

  // The model's vocabulary is the text's (and the reserved tokens); an explicit different vocab_size cannot work.
  d.model_config = cfg.model_config.is_null() ? nlohmann::json::object() : cfg.model_config;
  if (!evaluating) {
    if (d.model_config.contains("vocab_size"))
      CAJAL_CHECK(d.model_config.at("vocab_size").get<int64_t>() == vocab_size, task,
                  "--model-config sets vocab_size {}, but {} has {} distinct characters{}; leave vocab_size out",
                  d.model_config.at("vocab_size").get<int64_t>(), cfg.data, vocab.size(),
                  reserved_tokens ? fmt::format(" (and {} reserved token(s): {})", reserved_tokens, vocab_size) : "");
    else if (model.default_config.contains("vocab_size"))
      d.model_config["vocab_size"] = vocab_size;
  }
  return d;
}

data::CharVocab vocab_of_checkpoint(const nlohmann::json& data_info) {
  CAJAL_CHECK(data_info.is_object() && data_info.contains("vocab") && data_info.at("vocab").is_array(),
              "language_model", "expected the checkpoint's data description to hold its vocabulary (\"vocab\"), got {}",
              data_info.dump());
  std::string chars;
  for (const auto& b : data_info.at("vocab")) {
    const int64_t v = b.get<int64_t>();
    CAJAL_CHECK(v >= 0 && v < 256, "language_model", "expected vocabulary bytes in [0, 256), got {}", v);
    chars.push_back(char(uint8_t(v)));
  }
  CAJAL_CHECK(!chars.empty(), "language_model", "expected a non-empty vocabulary in the checkpoint, got none");
  return data::CharVocab(chars);
}

void check_in_vocabulary(const data::CharVocab& vocab, std::string_view text, const std::string& what,
                         const std::string& checkpoint) {
  for (size_t i = 0; i < text.size(); ++i)
    CAJAL_CHECK_INDEX(vocab.contains(text[i]), "language_model",
                      "{} holds the character {} at offset {}, which is not in the vocabulary of {} ({} characters: {})",
                      what, describe_char(text[i]), i, checkpoint.empty() ? "the model" : checkpoint, vocab.size(),
                      describe_vocab(vocab));
}

std::string describe_char(char c) {
  const auto u = uint8_t(c);
  if (u >= 0x20 && u < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", u);
}

std::string describe_vocab(const data::CharVocab& vocab) {
  std::string s;
  for (char c : vocab.chars()) {
    const auto u = uint8_t(c);
    s += c == '\n' ? std::string("\\n") : (u >= 0x20 && u < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

}  // namespace cajal::train
