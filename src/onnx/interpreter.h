// The ONNX importer's graph (internal to src/onnx/): the nodes of a model in execution order, each
// bound to its operator's implementation from the operator table (interpreter_ops.cpp).
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cajal/onnx/onnx.h"
#include "proto_io.h"

namespace cajal::onnx {

namespace detail {

struct Node;
// An operator: the node's inputs (undefined for an omitted optional input) -> its outputs.
using OpFn = std::function<std::vector<Tensor>(const Node& node, const std::vector<Tensor>& inputs)>;

struct Node {
  std::string op, name;
  std::vector<std::string> inputs, outputs;
  std::map<std::string, pb::AttributeProto> attrs;
  OpFn fn;

  // Attribute readers with ONNX's defaults; a wrong type is a cajal::Error naming the node.
  int64_t i(const std::string& key, int64_t fallback) const;
  double f(const std::string& key, double fallback) const;
  std::string s(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> ints(const std::string& key, std::vector<int64_t> fallback = {}) const;
  std::vector<std::string> strings(const std::string& key) const;
  const pb::AttributeProto* find(const std::string& key) const;
  // "onnx load: node 'fc1/Gemm' (Gemm)": what every error about this node starts with.
  std::string who() const;
};

// The operator table: ONNX op_type -> implementation over cajal ops.
const std::map<std::string, OpFn>& operators();

// load() of a model already in memory; `source` names it in errors (the path, or the exporter's).
std::shared_ptr<OnnxModule> load_model(const pb::ModelProto& model, const std::string& source);

}  // namespace detail

struct OnnxModule::Graph {
  std::vector<detail::Node> nodes;
  std::map<std::string, Tensor> constants;  // initializers
  std::string input, output;
  Shape input_shape;  // as declared (a symbolic dimension: -1)
  DType input_dtype = DType::f32;
  int64_t opset = 0;
  std::string producer;
};

}  // namespace cajal::onnx
