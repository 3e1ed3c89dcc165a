// The masked_language_model task: BERT's masked-token prediction on a text file, character by
// character (models::MaskedLanguageModel: `cajal train bert --data TEXT`).
//
// Data: as the language_model task's (load_char_windows: the file's bytes, 90/5/5 split into
// windows of --seq-len characters, the vocabulary in the checkpoint), with one id reserved after
// the characters for [MASK]. Each step masks its windows afresh with BERT's 15% / 80-10-10 rule
// (mask_tokens), drawing from the default generator, so the masks follow --seed and a resumed run
// (whose checkpoint holds that generator) masks as the uninterrupted one would.
//
// Metrics: loss (mean cross-entropy over the chosen positions, nats) and accuracy (the share of
// chosen positions whose most likely token is the original: masked-token accuracy). Every window
// has the same number of chosen positions, so means over windows are means over masked tokens.
// Validation and test mask with a generator of their own, seeded the same every time, so the
// held-out numbers of different epochs (and of `cajal eval`) score the same masks.
#include <algorithm>
#include <filesystem>
#include <string>

#include "cajal/data/dataloader.h"
#include "cajal/ops/ops.h"
#include "cajal/train/language_model.h"
#include "cajal/train/masked_language_model.h"
#include "cajal/train/trainer.h"

namespace cajal::train {

namespace {

constexpr uint64_t kEvaluationMaskSeed = 1234;

class MaskedLanguageModelTask : public Task {
 public:
  std::string name() const override { return "masked_language_model"; }
  std::vector<std::string> metric_names() const override { return {"loss", "accuracy"}; }
  std::string default_data() const override {
    return std::filesystem::path(data::tinyshakespeare_path()).lexically_normal().string();  // no "repo/../"
  }

  TaskData load_data(const TrainConfig& cfg, const models::ModelSpec& model) override {
    return load_char_windows(cfg, model, name(), /*reserved_tokens=*/1);
  }

  StepResult train_step(nn::Module& model, Optimizers& optimizers, const data::Batch& b) override {
    models::MaskedLanguageModel& mlm = checked_model(model, b.input.size(1));
    const MaskedBatch m = mask_tokens(b.input, mlm.mask_token(), default_generator());
    const Tensor logits = mlm.forward(m.input);
    const Tensor loss = masked_lm_loss(logits, m.target);
    descend(*optimizers.at(0).optimizer, loss);
    const int64_t chosen = b.input.size(0) * masked_positions(b.input.size(1), MaskingOptions{}.select);
    return {{{"loss", loss.item()}, {"accuracy", double(masked_correct(logits, m.target)) / double(chosen)}},
            b.input.size(0)};
  }

  Metrics evaluate(nn::Module& model, const data::Dataset& dataset) override {
    nn::EvalModeGuard eval_mode(model);
    NoGradGuard ng;
    Generator gen(kEvaluationMaskSeed);
    data::DataLoader loader(dataset, 64, /*shuffle=*/false);
    double loss_sum = 0;
    int64_t correct = 0, chosen = 0;
    for (data::Batch& b : loader) {
      models::MaskedLanguageModel& mlm = checked_model(model, b.input.size(1));
      const MaskedBatch m = mask_tokens(b.input, mlm.mask_token(), gen);
      const Tensor logits = mlm.forward(m.input);
      const int64_t n = b.input.size(0) * masked_positions(b.input.size(1), MaskingOptions{}.select);
      loss_sum += masked_lm_loss(logits, m.target).item() * double(n);
      correct += masked_correct(logits, m.target);
      chosen += n;
    }
    return {{"loss", chosen ? loss_sum / double(chosen) : NAN}, {"accuracy", chosen ? double(correct) / double(chosen) : NAN}};
  }

  // What the model makes of the test text's start with every 6th character masked (at most 48
  // characters; newlines shown as '|', masks as '_').
  TaskOutputs finish(nn::Module& model, const TaskData& data, const std::string&) override {
    const auto& test = dynamic_cast<const data::CharSequenceDataset&>(*data.test);
    const data::CharVocab vocab = vocab_of_checkpoint(data.info.at("data"));
    models::MaskedLanguageModel& mlm = models::as_masked_language_model(model, name());
    const int64_t n = std::min({int64_t(48), test.tokens().numel(), mlm.context_size()});
    if (n < 4) return {};  // no character to mask
    std::string text = vocab.decode(test.tokens().narrow(0, 0, n)), query, shown = text;
    for (int64_t i = 0; i < n; ++i) {
      const bool hide = i % 6 == 3;
      query += hide ? std::string("[MASK]") : std::string(1, text[size_t(i)]);
      if (hide) shown[size_t(i)] = '_';
    }
    const std::vector<MaskFill> fills = fill_mask(mlm, vocab, query, 1);
    std::string filled = fill_best(query, fills);
    int64_t right = 0;
    for (const MaskFill& f : fills) right += f.top.at(0).first == text[size_t(f.position)];
    auto display = [](std::string s) {
      for (char& c : s) c = c == '\n' ? '|' : c;
      return s;
    };
    return {{},
            {fmt::format("fill-mask on the test text's first {} characters, every 6th masked ({} of {} right):", n,
                         right, fills.size()),
             "  text    " + display(text), "  masked  " + display(shown), "  filled  " + display(filled)}};
  }

 private:
  models::MaskedLanguageModel& checked_model(nn::Module& model, int64_t T) const {
    models::MaskedLanguageModel& mlm = models::as_masked_language_model(model, name());
    CAJAL_CHECK(T <= mlm.context_size(), name(), "{} reads at most {} tokens at once: expected --seq-len <= {}, got {}",
                model.type_name(), mlm.context_size(), mlm.context_size(), T);
    return mlm;
  }
};

const RegisterTask kMaskedLanguageModel({"masked_language_model",
                                         "masked characters of a text (BERT's 15% 80/10/10 rule): cross-entropy, "
                                         "masked-token accuracy",
                                         [] { return std::make_unique<MaskedLanguageModelTask>(); }});

}  // namespace

}  // namespace cajal::train
