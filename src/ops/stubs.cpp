// TEMPORARY: ops declared in cajal/ops/ops.h whose family file is being written. Each family
// author deletes the stubs of the ops they implement; this file goes away when it is empty.
#include "cajal/ops/ops.h"

namespace cajal {
#define CAJAL_STUB(op) CAJAL_FAIL(Runtime, #op, "not implemented yet")
// reductions
Tensor var(const Tensor&, const Shape&, bool, bool) { CAJAL_STUB(var); }
Tensor std(const Tensor&, const Shape&, bool, bool) { CAJAL_STUB(std); }
Tensor prod(const Tensor&, const Shape&, bool) { CAJAL_STUB(prod); }
Tensor logsumexp(const Tensor&, const Shape&, bool) { CAJAL_STUB(logsumexp); }
Tensor norm(const Tensor&, double, const Shape&, bool) { CAJAL_STUB(norm); }
Tensor max(const Tensor&) { CAJAL_STUB(max); }
Tensor min(const Tensor&) { CAJAL_STUB(min); }
std::pair<Tensor, Tensor> max(const Tensor&, int64_t, bool) { CAJAL_STUB(max); }
std::pair<Tensor, Tensor> min(const Tensor&, int64_t, bool) { CAJAL_STUB(min); }
Tensor argmax(const Tensor&, int64_t, bool) { CAJAL_STUB(argmax); }
Tensor argmin(const Tensor&, int64_t, bool) { CAJAL_STUB(argmin); }
Tensor argmax(const Tensor&) { CAJAL_STUB(argmax); }
// linalg
Tensor matmul(const Tensor&, const Tensor&) { CAJAL_STUB(matmul); }
Tensor mm(const Tensor&, const Tensor&) { CAJAL_STUB(mm); }
Tensor bmm(const Tensor&, const Tensor&) { CAJAL_STUB(bmm); }
Tensor outer(const Tensor&, const Tensor&) { CAJAL_STUB(outer); }
Tensor dot(const Tensor&, const Tensor&) { CAJAL_STUB(dot); }
Tensor linear(const Tensor&, const Tensor&, const Tensor&) { CAJAL_STUB(linear); }
// activations
Tensor sigmoid(const Tensor&) { CAJAL_STUB(sigmoid); }
Tensor tanh(const Tensor&) { CAJAL_STUB(tanh); }
Tensor relu(const Tensor&) { CAJAL_STUB(relu); }
Tensor leaky_relu(const Tensor&, double) { CAJAL_STUB(leaky_relu); }
Tensor softplus(const Tensor&, double, double) { CAJAL_STUB(softplus); }
Tensor atan(const Tensor&) { CAJAL_STUB(atan); }
Tensor step(const Tensor&, double, bool) { CAJAL_STUB(step); }
Tensor softmax(const Tensor&, int64_t) { CAJAL_STUB(softmax); }
Tensor log_softmax(const Tensor&, int64_t) { CAJAL_STUB(log_softmax); }
Tensor gelu(const Tensor&, bool) { CAJAL_STUB(gelu); }
Tensor elu(const Tensor&, double) { CAJAL_STUB(elu); }
Tensor selu(const Tensor&) { CAJAL_STUB(selu); }
Tensor silu(const Tensor&) { CAJAL_STUB(silu); }
// losses
Tensor mse_loss(const Tensor&, const Tensor&, Reduction) { CAJAL_STUB(mse_loss); }
Tensor l1_loss(const Tensor&, const Tensor&, Reduction) { CAJAL_STUB(l1_loss); }
Tensor binary_cross_entropy(const Tensor&, const Tensor&, Reduction) { CAJAL_STUB(binary_cross_entropy); }
Tensor binary_cross_entropy_with_logits(const Tensor&, const Tensor&, Reduction) { CAJAL_STUB(bce_with_logits); }
Tensor cross_entropy(const Tensor&, const Tensor&, const CrossEntropyOptions&) { CAJAL_STUB(cross_entropy); }
Tensor nll_loss(const Tensor&, const Tensor&, Reduction, int64_t) { CAJAL_STUB(nll_loss); }
Tensor kl_div(const Tensor&, const Tensor&, Reduction, bool) { CAJAL_STUB(kl_div); }
// copies and indexing
Tensor cat(const std::vector<Tensor>&, int64_t) { CAJAL_STUB(cat); }
Tensor stack(const std::vector<Tensor>&, int64_t) { CAJAL_STUB(stack); }
std::vector<Tensor> split(const Tensor&, int64_t, int64_t) { CAJAL_STUB(split); }
std::vector<Tensor> split(const Tensor&, const std::vector<int64_t>&, int64_t) { CAJAL_STUB(split); }
std::vector<Tensor> chunk(const Tensor&, int64_t, int64_t) { CAJAL_STUB(chunk); }
Tensor index_select(const Tensor&, int64_t, const Tensor&) { CAJAL_STUB(index_select); }
Tensor gather(const Tensor&, int64_t, const Tensor&) { CAJAL_STUB(gather); }
Tensor scatter_add(const Tensor&, int64_t, const Tensor&, const Tensor&) { CAJAL_STUB(scatter_add); }
Tensor masked_fill(const Tensor&, const Tensor&, double) { CAJAL_STUB(masked_fill); }
Tensor where(const Tensor&, const Tensor&, const Tensor&) { CAJAL_STUB(where); }
Tensor one_hot(const Tensor&, int64_t) { CAJAL_STUB(one_hot); }
}  // namespace cajal
