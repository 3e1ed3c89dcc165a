// Harness rows of embedding against a loop over the index tensor: repeated indices (their
// gradients accumulate), 2-D index shapes. Indices are constant. padding_idx deliberately breaks
// the finite-difference gradient (its row gets none), so it is tested in test_embedding.cpp.
#include "ops/op_harness.h"

using namespace cajal;
using namespace cajal::test;

namespace {

// out[i, :] = w[idx[i], :], shaped (idx shape..., D).
Tensor lookup_ref(const Inputs& in) {
  std::vector<double> w = values(in[0]), idx = values(in[1]), out;
  const int64_t d = in[0].shape()[1];
  for (double i : idx)
    for (int64_t c = 0; c < d; ++c) out.push_back(w[size_t(int64_t(i) * d + c)]);
  Shape shape = in[1].shape();
  shape.push_back(d);
  return make_ref(out, shape);
}

}  // namespace

CAJAL_OP_ROWS(embedding) {
  std::vector<OpRow> rows{
      OpRow{.op = "embedding",
            .label = "2-D indices, repeated",
            .inputs = [] { return Inputs{sample({5, 3}), index_tensor({4, 0, 4, 2, 1, 4}, {2, 3})}; },
            .fn = [](const Inputs& in) { return embedding(in[0], in[1]); },
            .ref = lookup_ref,
            .constant = {1},
            .errors = {{"index out of range", [] { embedding(zeros({3, 2}), index_tensor({3}, {1})); },
                        ErrorKind::Index, "num_embeddings = 3"},
                       {"float indices", [] { embedding(zeros({3, 2}), zeros({2})); }, ErrorKind::Type, "int64"},
                       {"1-D weight", [] { embedding(zeros({3}), index_tensor({0}, {1})); }, ErrorKind::Value,
                        "2-D weight"}}},
  };
  return rows;
}
