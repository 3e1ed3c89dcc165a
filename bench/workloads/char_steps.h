// What the character-model workloads (charlstm, gpt) share, WORKLOADS.md section 2: the corpus as
// ids into its sorted character set, 32 windows of 64 drawn fresh every step (starts uniform in
// [0, len - 65], from a generator seeded by --seed), cross-entropy over all positions, each step
// (sampling, forward, backward, update, loss.item()) timed on its own, and the reported keys.
#pragma once
#include <functional>
#include <vector>

#include "cajal/core/tensor.h"
#include "cajal/optim/optimizer.h"
#include "workloads/workload.h"

namespace cajal::bench {

struct CharCorpus {
  std::vector<int64_t> ids;
  int64_t vocab = 0;
};
CharCorpus load_shakespeare();

// Trains `forward` ((B, T) ids -> (B, T, V) logits) with `optimizer` for the workload's steps and
// returns the figures; params: the model's parameter count (reported).
Json run_char_steps(const RunOptions& opt, const CharCorpus& corpus, const std::function<Tensor(const Tensor&)>& forward,
                    optim::Optimizer& optimizer, int64_t params);

}  // namespace cajal::bench
