// The backward engine: a reverse topological walk from the roots, accumulating gradients.
#pragma once
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal::autograd {

// Computes gradients of `roots` (with upstream `grad_roots`, undefined = ones for a scalar root)
// and accumulates them into the .grad of every leaf that requires grad.
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots, bool retain_graph = false,
              bool create_graph = false);

// Returns d(outputs)/d(inputs) without touching any .grad (PyTorch's torch.autograd.grad).
// allow_unused=false throws when an input does not influence the outputs.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool create_graph = false, bool allow_unused = false);

}  // namespace cajal::autograd
