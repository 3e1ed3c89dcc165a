// charlstm workload (WORKLOADS.md): character LSTM on tinyshakespeare, 300 steps, Adam (lr 2e-3).
// Embedding(65, 64) -> LSTM(64, 256, batch_first) -> Linear(256, 65), zero initial state every
// batch, cross-entropy over all 32 x 64 positions. Each step (batch sampling, forward, backward,
// optimizer step, loss.item()) is timed on its own, as torch_reference.py's train_char_model.
#include <algorithm>

#include "cajal/data/text.h"
#include "cajal/nn/embedding.h"
#include "cajal/nn/linear.h"
#include "cajal/nn/rnn.h"
#include "cajal/ops/ops.h"
#include "cajal/optim/adam.h"
#include "workloads/workload.h"

namespace cajal::bench {
namespace {

constexpr int64_t kBatch = 32, kSeq = 64, kEmbed = 64, kHidden = 256;

// The corpus as int64 ids into its sorted character set (WORKLOADS.md's vocabulary).
std::pair<std::vector<int64_t>, int64_t> load_shakespeare() {
  const std::string text = data::load_text(data::tinyshakespeare_path());
  const data::CharVocab vocab(text);
  return {vocab.encode(text).to_vector<int64_t>(), vocab.size()};
}

struct CharLSTM {
  std::shared_ptr<nn::Embedding> emb;
  std::shared_ptr<nn::LSTM> lstm;
  std::shared_ptr<nn::Linear> head;
  std::vector<Tensor> parameters() const {
    std::vector<Tensor> p = emb->parameters();
    for (const Tensor& t : lstm->parameters()) p.push_back(t);
    for (const Tensor& t : head->parameters()) p.push_back(t);
    return p;
  }
  Tensor forward(const Tensor& idx) {  // (B, T) -> (B, T, V)
    auto [h, state] = lstm->forward(emb->forward(idx));
    return head->forward(h);
  }
};

Json run_charlstm(const RunOptions& opt) {
  const auto [ids, vocab] = load_shakespeare();
  const int64_t n = int64_t(ids.size());
  Generator init_gen(opt.seed), batch_gen(opt.seed);
  CharLSTM model{std::make_shared<nn::Embedding>(nn::EmbeddingOptions(vocab, kEmbed).generator(&init_gen)),
                 std::make_shared<nn::LSTM>(nn::LSTMOptions(kEmbed, kHidden).batch_first(true).generator(&init_gen)),
                 std::make_shared<nn::Linear>(nn::LinearOptions(kHidden, vocab).generator(&init_gen))};
  optim::AdamOptions adam;
  adam.lr = 2e-3;
  optim::Adam optimizer(model.parameters(), adam);
  int64_t params = 0;
  for (const Tensor& p : model.parameters()) params += p.numel();

  const int64_t steps = opt.steps ? opt.steps : 300;
  const double rss_before = peak_rss_mib();
  std::vector<double> losses, times;
  std::vector<int64_t> xv(size_t(kBatch * kSeq)), yv(size_t(kBatch * kSeq));
  const double t_start = now_s();
  for (int64_t step = 0; step < steps; ++step) {
    const double t0 = now_s();
    const Tensor starts = randint(0, n - kSeq, {kBatch}, &batch_gen);
    const int64_t* s = starts.data_ptr<int64_t>();
    for (int64_t b = 0; b < kBatch; ++b)
      for (int64_t t = 0; t < kSeq; ++t) {
        xv[size_t(b * kSeq + t)] = ids[size_t(s[b] + t)];
        yv[size_t(b * kSeq + t)] = ids[size_t(s[b] + t + 1)];
      }
    Tensor logits = model.forward(from_vector(xv, {kBatch, kSeq}));
    Tensor loss = cross_entropy(reshape(logits, {kBatch * kSeq, vocab}), from_vector(yv, {kBatch * kSeq}));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    losses.push_back(loss.item());
    times.push_back(now_s() - t0);
  }
  const double train_s = now_s() - t_start;
  std::vector<double> timed(times.size() > 10 ? times.begin() + 10 : times.begin(), times.end());
  const size_t last = std::min<size_t>(50, losses.size());
  double loss_last = 0.0;
  for (size_t i = losses.size() - last; i < losses.size(); ++i) loss_last += losses[i];
  const double ms = median(timed) * 1e3;
  Json out;
  out["steps"] = steps;
  out["batch"] = kBatch;
  out["seq_len"] = kSeq;
  out["vocab"] = vocab;
  out["params"] = params;
  out["ms_per_step"] = round_to(ms, 3);
  out["ms_per_step_min"] = round_to(*std::min_element(timed.begin(), timed.end()) * 1e3, 3);
  out["train_s"] = round_to(train_s, 3);
  out["tokens_per_s"] = round_to(double(kBatch * kSeq) / (ms / 1e3), 1);
  out["loss_first"] = round_to(losses.front(), 4);
  out["loss_last50"] = round_to(loss_last / double(last), 4);
  out["rss_before_train_mib"] = round_to(rss_before, 1);
  return out;
}

}  // namespace

Workload charlstm_workload() {
  return {"charlstm", "character LSTM on tinyshakespeare, 300 steps, Adam", "", run_charlstm};
}

}  // namespace cajal::bench
