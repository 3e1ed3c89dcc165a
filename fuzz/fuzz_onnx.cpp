// ONNX models (cajal::onnx::load): the protobuf parse, the initializers' sizes and types, the
// graph's input and the operator of every node. (Running arbitrary graphs is left out: a
// Reshape or Expand may legally ask for any amount of memory.)
#include "cajal/onnx/onnx.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = cajal::fuzz::write_input(data, size, ".onnx");
  return cajal::fuzz::run([&] {
    auto m = cajal::onnx::load(path);
    (void)m->op_types();
  });
}
