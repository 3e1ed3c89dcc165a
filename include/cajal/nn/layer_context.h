// Where a forward failed: containers (Sequential, Concat, Residual, the zoo's blocks) call each
// child through call_in_layer, so a cajal::Error raised inside names the layer and its input
// shape, e.g. "conv2d: weight [6, 1, 5, 5] expects 1 input channels ..., input [2, 3, 32, 32] has 3
// (in layer 0: Conv2d, input [2, 3, 32, 32])". Enclosing containers prefix their child's name, so
// the layer is the dotted state_dict path ("layer1.0.conv1"). Kind and op are kept.
#pragma once
#include <string>

#include "cajal/core/error.h"
#include "cajal/nn/module.h"

namespace cajal::nn {

[[noreturn]] void rethrow_in_layer(const Error& e, const std::string& name, const Module& child, const Tensor& input);

template <class F>
Tensor call_in_layer(const std::string& name, const Module& child, const Tensor& input, F&& call) {
  try {
    return call();
  } catch (const Error& e) {
    rethrow_in_layer(e, name, child, input);
  }
}

}  // namespace cajal::nn
