// The ONNX exporter's machinery (internal to src/onnx/): a graph under construction and the walk
// over the module tree. What each module type becomes is in export_table.cpp, one entry per type.
//
// The walk carries Values: the name of an ONNX value and the tensor the module computed for it on
// the example input (the trace). The tensors give every shape an entry needs (Reshape targets,
// ranks), and the root's output tensor is what the exported graph must reproduce.
#pragma once
#include <functional>
#include <map>
#include <set>
#include <string>
#include <typeindex>
#include <vector>

#include "cajal/nn/module.h"
#include "proto_io.h"

namespace cajal::onnx::detail {

struct Value {
  std::string name;
  Tensor traced;  // what the module produced for this value on the example input
};

class GraphBuilder {
 public:
  explicit GraphBuilder(pb::GraphProto& graph) : graph_(graph) {}
  // A value name not used yet, from `hint` ("layer1.0.conv1" -> "layer1.0.conv1", then "..._1").
  std::string fresh(const std::string& hint);
  // Appends a node and returns its output names (`outputs` of them, named from `hint`).
  std::vector<std::string> node(const std::string& op, const std::vector<std::string>& inputs,
                                std::vector<pb::AttributeProto> attrs, const std::string& hint, int outputs = 1);
  std::string node1(const std::string& op, const std::vector<std::string>& inputs,
                    std::vector<pb::AttributeProto> attrs, const std::string& hint) {
    return node(op, inputs, std::move(attrs), hint, 1)[0];
  }
  // A constant input (parameter, shape, axes): an initializer named `name` (made unique).
  std::string initializer(const std::string& name, const Tensor& t);
  std::string ints(const std::vector<int64_t>& v, const std::string& hint);  // an int64 1-D initializer
  pb::GraphProto& graph() { return graph_; }

 private:
  pb::GraphProto& graph_;
  std::set<std::string> taken_;
};

class Exporter;
// What one module type becomes: nodes from `x` (the module's input) to the returned value.
// `path` is the module's dotted name from the root ("" for the root itself).
using Emitter = std::function<Value(Exporter& ex, nn::Module& m, const std::string& path, const Value& x)>;

class Exporter {
 public:
  Exporter(GraphBuilder& g, int64_t opset) : g_(g), opset_(opset) {}
  GraphBuilder& graph() { return g_; }
  int64_t opset() const { return opset_; }
  // The nodes of `m` (found in the table by its type) applied to `x`; a cajal::Error naming the
  // module path and type when the table has no entry.
  Value emit(nn::Module& m, const std::string& path, const Value& x);
  // The same for m's child `name`.
  Value emit_child(nn::Module& m, const std::string& path, const std::string& name, const Value& x);
  // m's child `name`; a cajal::Error naming m when it has none.
  static nn::Module& child(nn::Module& m, const std::string& name);
  // "path.name" (or "name" at the root): parameter and node names as in state_dict.
  static std::string join(const std::string& path, const std::string& name) {
    return path.empty() ? name : path + "." + name;
  }

 private:
  GraphBuilder& g_;
  int64_t opset_;
};

// The mapping table (export_table.cpp): by exact C++ type, then, for zoo models whose classes are
// private to their file, by type name.
const std::map<std::type_index, Emitter>& emitters_by_type();
const std::map<std::string, Emitter>& emitters_by_name();

// Entries too long for the table's file (export_sequence.cpp): nn::RNN / LSTM / GRU as ONNX's
// RNN / LSTM / GRU per layer, nn::TransformerEncoderLayer as attention from MatMul and Softmax, the
// zoo's gpt and bert (private to their files: found by type name).
Value emit_recurrent(Exporter& ex, nn::Module& m, const std::string& path, const Value& x);
Value emit_transformer_encoder_layer(Exporter& ex, nn::Module& m, const std::string& path, const Value& x);
Value emit_transformer_encoder(Exporter& ex, nn::Module& m, const std::string& path, const Value& x);
Value emit_gpt(Exporter& ex, nn::Module& m, const std::string& path, const Value& ids);
Value emit_bert(Exporter& ex, nn::Module& m, const std::string& path, const Value& ids);
// Shared by the table and the transformer: torch's GELU (exact, or the tanh approximation) from
// Erf / Tanh and arithmetic (opsets 13-17 have no Gelu).
std::string emit_gelu(GraphBuilder& g, const std::string& x, bool tanh_approx, const std::string& hint);
std::string scalar(GraphBuilder& g, double v, const std::string& hint);  // a float32 0-D initializer

// Runs a module on one tensor whatever its forward's signature (Unary, LSTM/GRU: the output
// sequence, TransformerEncoderLayer: no masks).
Tensor run_module(nn::Module& m, const Tensor& x);

}  // namespace cajal::onnx::detail
