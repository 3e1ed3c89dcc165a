// The timed training loop of the character-model workloads (char_steps.h).
#include "workloads/char_steps.h"

#include <algorithm>

#include "cajal/data/text.h"
#include "cajal/ops/ops.h"

namespace cajal::bench {

namespace {
constexpr int64_t kBatch = 32, kSeq = 64;
}

CharCorpus load_shakespeare() {
  const std::string text = data::load_text(data::tinyshakespeare_path());
  const data::CharVocab vocab(text);
  return {vocab.encode(text).to_vector<int64_t>(), vocab.size()};
}

Json run_char_steps(const RunOptions& opt, const CharCorpus& corpus, const std::function<Tensor(const Tensor&)>& forward,
                    optim::Optimizer& optimizer, int64_t params) {
  const std::vector<int64_t>& ids = corpus.ids;
  const int64_t n = int64_t(ids.size()), vocab = corpus.vocab;
  Generator batch_gen(opt.seed);
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
    Tensor logits = forward(from_vector(xv, {kBatch, kSeq}));
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

}  // namespace cajal::bench
