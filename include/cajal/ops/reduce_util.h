// Shared bookkeeping of the reduction ops: which dims are reduced and the output shapes.
#pragma once
#include <vector>

#include "cajal/core/tensor.h"

namespace cajal {

struct ReducePlan {
  std::vector<bool> reduced;  // per input dim
  Shape keep_shape;           // reduced dims as 1 (the kernel's output layout)
  Shape out_shape;            // what the op returns (keep_shape when keepdim)
  int64_t count = 1;          // elements folded into each output
};

// dims {} = all; negative dims wrap; duplicates are an IndexError.
ReducePlan make_reduce_plan(const Tensor& a, const Shape& dims, bool keepdim, const char* op);

}  // namespace cajal
