// charlstm workload (WORKLOADS.md): character LSTM on tinyshakespeare, 300 steps, Adam (lr 2e-3).
// Embedding(65, 64) -> LSTM(64, 256, batch_first) -> Linear(256, 65), zero initial state every
// batch; the protocol (batches, loss, timing, keys) is char_steps.h's, as torch_reference.py's
// train_char_model.
#include "cajal/nn/embedding.h"
#include "cajal/nn/linear.h"
#include "cajal/nn/rnn.h"
#include "cajal/optim/adam.h"
#include "workloads/char_steps.h"

namespace cajal::bench {
namespace {

constexpr int64_t kEmbed = 64, kHidden = 256;

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
  const CharCorpus corpus = load_shakespeare();
  Generator init_gen(opt.seed);
  CharLSTM model{std::make_shared<nn::Embedding>(nn::EmbeddingOptions(corpus.vocab, kEmbed).generator(&init_gen)),
                 std::make_shared<nn::LSTM>(nn::LSTMOptions(kEmbed, kHidden).batch_first(true).generator(&init_gen)),
                 std::make_shared<nn::Linear>(nn::LinearOptions(kHidden, corpus.vocab).generator(&init_gen))};
  optim::AdamOptions adam;
  adam.lr = 2e-3;
  optim::Adam optimizer(model.parameters(), adam);
  int64_t params = 0;
  for (const Tensor& p : model.parameters()) params += p.numel();
  return run_char_steps(opt, corpus, [&](const Tensor& x) { return model.forward(x); }, optimizer, params);
}

}  // namespace

Workload charlstm_workload() {
  return {"charlstm", "character LSTM on tinyshakespeare, 300 steps, Adam", "", run_charlstm};
}

}  // namespace cajal::bench
