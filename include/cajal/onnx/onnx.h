// ONNX interchange (docs/INTERCHANGE.md): export a cajal module to an .onnx file and load an .onnx
// file back as an executable module.
//
//   cajal::onnx::export_module(*net, zeros({1, 784}), "mlp.onnx");   // `cajal export CKPT --onnx F`
//   auto m = cajal::onnx::load("mlp.onnx");                          // an interpreter over its nodes
//   Tensor y = (*m)(x);
//
// Export walks the module tree from the root: each module type has one entry in a mapping table
// (src/onnx/export_table.cpp) that writes its ONNX nodes, its parameters becoming initializers named
// as in state_dict ("features.0.weight"). Containers (Sequential, the zoo's chains, Residual and
// Concat blocks) map to their children's nodes joined by Add/Relu/Concat. The example input fixes
// every shape unless ExportOptions names dynamic dims; the module runs in eval mode (Dropout is the identity,
// BatchNorm uses its running statistics). A module without a mapping is a cajal::Error naming it:
//   onnx export: no ONNX mapping for module 'features.3' (SpikingMLP)
//
// Load reads opset >= 13 graphs of the operators in the table of docs/INTERCHANGE.md (cajal's own
// exports and torch.onnx.export's of the same layers); any other operator is a cajal::Error naming
// the node. Built without protobuf (CMake option CAJAL_ONNX off), every function here throws a
// cajal::Error saying so; available() tells beforehand.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cajal/nn/module.h"

namespace cajal::onnx {

// Whether this build of cajal has ONNX support (protobuf was found at configure time).
bool available();
// Throws the cajal::Error "`who`: cajal was built without ONNX support (...)" when !available().
void require_available(const std::string& who);

struct ExportOptions {
  int64_t opset = 17;  // 13..17; LayerNormalization (transformer blocks) needs 17
  std::string input_name = "input", output_name = "output";
  // Dims of the graph's input and output left symbolic (ONNX dim_param), index -> name, as
  // torch.onnx.export's dynamic_axes: {{0, "batch"}} on both lets the file run any batch size.
  std::map<int64_t, std::string> dynamic_input_dims, dynamic_output_dims;
};

// Writes `module` (a one-tensor module, or nn::LSTM / nn::GRU / nn::TransformerEncoderLayer, whose
// main output is exported) traced on `example` to `path`, atomically. The module's mode is restored
// afterwards. With dynamic input dims, the graph is also run on the example resized along each of
// them (one less, or one more when it is 1) and must give the module's own output there: a graph
// with that size built in (the gpt's positions and causal mask fix the sequence length) is a
// cajal::Error naming the dim, and nothing is written.
void export_module(nn::Module& module, const Tensor& example, const std::string& path, const ExportOptions& options = {});

// The executable form of an .onnx file: one input, one output, float32 (int64 token ids for a
// graph whose input is int64). The initializers stay inside the graph (no parameters: inference only).
class OnnxModule : public nn::UnaryModule {
 public:
  struct Graph;  // the parsed nodes and constants (src/onnx/interpreter.cpp)
  explicit OnnxModule(std::shared_ptr<const Graph> graph);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  // The operator of every node in order ("Conv", "Relu", ...).
  std::vector<std::string> op_types() const;

 private:
  std::shared_ptr<const Graph> graph_;
};

std::shared_ptr<OnnxModule> load(const std::string& path);

}  // namespace cajal::onnx
