// gpt workload (WORKLOADS.md): 4-layer decoder-only transformer on tinyshakespeare, 300 steps, AdamW.
// Not runnable yet: cajal lacks the layers it needs. When they land, replace `needs` with a run
// function (same data, model, init, optimizer, steps and timed region as torch_reference.py).
#include "workloads/workload.h"

namespace cajal::bench {

Workload gpt_workload() {
  return {"gpt", "4-layer decoder-only transformer on tinyshakespeare, 300 steps, AdamW",
          "embedding, layer_norm and causal self-attention (Embedding, LayerNorm, attention layers)", nullptr};
}

}  // namespace cajal::bench
