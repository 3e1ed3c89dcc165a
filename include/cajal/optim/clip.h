// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_) and weight penalties.
//
// Clipping works in place on the .grad of the given tensors; tensors without a .grad are skipped.
// Penalties are ordinary differentiable ops, to be added to the loss:
//   l1_penalty(ws) = sum_i sum |w_i|        l2_penalty(ws) = sum_i sum w_i^2
// NB: l2_penalty has no 1/2: the notes' weight-decay loss E + (lambda/2)||theta||^2 is
// loss + (lambda / 2) * l2_penalty(params), whose gradient adds lambda * theta. The optimizers'
// weight_decay options are separate (they act on the update, not on the loss).
#pragma once
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::optim {

// Scales all gradients together so that their joint norm is at most max_norm, and returns the
// norm before clipping: total = (sum over all gradient elements of |g|^p)^(1/p) (p = inf: max |g|);
// coefficient = max_norm / (total + 1e-6), applied only when it is < 1. The sum is accumulated in
// float64 in fixed blocks, so the result does not depend on the thread count.
// error_if_nonfinite: throw when the total norm is NaN or infinite (else the gradients become NaN).
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

// sum_i sum |w_i| as a 0-D tensor (differentiable; d/dw = sign(w)). dtype: promoted over the list.
Tensor l1_penalty(const std::vector<Tensor>& params);
// sum_i sum w_i^2 as a 0-D tensor (differentiable; d/dw = 2w).
Tensor l2_penalty(const std::vector<Tensor>& params);

}  // namespace cajal::optim
