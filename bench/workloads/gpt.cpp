// gpt workload (WORKLOADS.md): 4-layer decoder-only transformer on tinyshakespeare, 300 steps,
// AdamW (lr 1e-3, weight decay 0.1 on every parameter). The model is the zoo's `gpt`
// (src/models/sequence/gpt.cpp: the recipe's sizes and N(0, 0.02) init, drawn from the default
// generator seeded by --seed); the protocol is char_steps.h's, as torch_reference.py's.
#include "cajal/core/generator.h"
#include "cajal/models/registry.h"
#include "cajal/optim/adam.h"
#include "workloads/char_steps.h"

namespace cajal::bench {
namespace {

Json run_gpt(const RunOptions& opt) {
  const CharCorpus corpus = load_shakespeare();
  manual_seed(opt.seed);
  std::shared_ptr<nn::Module> model = models::build_model("gpt", {{"vocab_size", corpus.vocab}});
  optim::AdamWOptions adamw;
  adamw.lr = 1e-3;
  adamw.weight_decay = 0.1;
  optim::AdamW optimizer(model->parameters(), adamw);
  nn::UnaryModule& net = nn::as_unary(*model, "gpt");
  return run_char_steps(opt, corpus, [&](const Tensor& x) { return net.forward(x); }, optimizer,
                        model->num_parameters());
}

}  // namespace

Workload gpt_workload() {
  return {"gpt", "4-layer decoder-only transformer on tinyshakespeare, 300 steps, AdamW", "", run_gpt};
}

}  // namespace cajal::bench
