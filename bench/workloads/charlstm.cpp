// charlstm workload (WORKLOADS.md): character LSTM on tinyshakespeare, 300 steps, Adam.
// Not runnable yet: cajal lacks the layers it needs. When they land, replace `needs` with a run
// function (same data, model, init, optimizer, steps and timed region as torch_reference.py).
#include "workloads/workload.h"

namespace cajal::bench {

Workload charlstm_workload() {
  return {"charlstm", "character LSTM on tinyshakespeare, 300 steps, Adam",
          "embedding and LSTM (Embedding, LSTM layers)", nullptr};
}

}  // namespace cajal::bench
