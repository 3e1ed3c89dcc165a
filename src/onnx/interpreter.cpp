// cajal::onnx::load and OnnxModule (cajal/onnx/onnx.h): an .onnx file as an executable module, an
// interpreter over its node list. The operators are in interpreter_ops.cpp.
#include "interpreter.h"

#include <fmt/format.h>

#include <set>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"

namespace cajal::onnx {

namespace detail {

const pb::AttributeProto* Node::find(const std::string& key) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? nullptr : &it->second;
}

std::string Node::who() const { return fmt::format("onnx load: node '{}' ({})", name, op); }

int64_t Node::i(const std::string& key, int64_t fallback) const {
  const auto* a = find(key);
  if (!a) return fallback;
  CAJAL_CHECK_TYPE(a->type() == pb::AttributeProto::INT, who(), "expected attribute '{}' to be an int", key);
  return a->i();
}

double Node::f(const std::string& key, double fallback) const {
  const auto* a = find(key);
  if (!a) return fallback;
  CAJAL_CHECK_TYPE(a->type() == pb::AttributeProto::FLOAT, who(), "expected attribute '{}' to be a float", key);
  return a->f();
}

std::string Node::s(const std::string& key, const std::string& fallback) const {
  const auto* a = find(key);
  if (!a) return fallback;
  CAJAL_CHECK_TYPE(a->type() == pb::AttributeProto::STRING, who(), "expected attribute '{}' to be a string", key);
  return a->s();
}

std::vector<int64_t> Node::ints(const std::string& key, std::vector<int64_t> fallback) const {
  const auto* a = find(key);
  if (!a) return fallback;
  CAJAL_CHECK_TYPE(a->type() == pb::AttributeProto::INTS, who(), "expected attribute '{}' to be ints", key);
  return {a->ints().begin(), a->ints().end()};
}

std::vector<std::string> Node::strings(const std::string& key) const {
  const auto* a = find(key);
  if (!a) return {};
  CAJAL_CHECK_TYPE(a->type() == pb::AttributeProto::STRINGS, who(), "expected attribute '{}' to be strings", key);
  return {a->strings().begin(), a->strings().end()};
}

}  // namespace detail

namespace {

DType dtype_of(int32_t elem, const std::string& who) {
  using detail::pb::TensorProto;
  switch (elem) {
    case TensorProto::FLOAT: return DType::f32;
    case TensorProto::DOUBLE: return DType::f64;
    case TensorProto::INT64: return DType::i64;
    default: CAJAL_FAIL(Type, who, "expected a float, double or int64 graph input, got ONNX element type {}", elem);
  }
}

}  // namespace

OnnxModule::OnnxModule(std::shared_ptr<const Graph> graph) : UnaryModule("OnnxModule"), graph_(std::move(graph)) {}

std::string OnnxModule::extra_repr() const {
  return fmt::format("producer={}, opset={}, nodes={}, input={}", graph_->producer, graph_->opset, graph_->nodes.size(),
                     shape_str(graph_->input_shape));
}

std::vector<std::string> OnnxModule::op_types() const {
  std::vector<std::string> ops;
  for (const auto& n : graph_->nodes) ops.push_back(n.op);
  return ops;
}

Tensor OnnxModule::forward(const Tensor& x) {
  const Graph& g = *graph_;
  CAJAL_CHECK(x.dim() == int64_t(g.input_shape.size()), "OnnxModule",
              "expected an input of rank {} (the graph's {} {}), got shape {}", g.input_shape.size(), g.input,
              shape_str(g.input_shape), shape_str(x.shape()));
  for (size_t d = 0; d < g.input_shape.size(); ++d)
    CAJAL_CHECK(g.input_shape[d] < 0 || g.input_shape[d] == x.size(int64_t(d)), "OnnxModule",
                "expected an input of shape {} (the graph's '{}'), got {}", shape_str(g.input_shape), g.input,
                shape_str(x.shape()));
  CAJAL_CHECK_TYPE(x.dtype() == g.input_dtype, "OnnxModule", "expected a {} input, got {}", dtype_name(g.input_dtype),
                   dtype_name(x.dtype()));
  // The values computed in this call; the initializers are read from the graph without a copy.
  std::map<std::string, Tensor> values;
  values[g.input] = x;
  auto lookup = [&](const std::string& name) -> const Tensor* {
    if (auto it = values.find(name); it != values.end()) return &it->second;
    if (auto it = g.constants.find(name); it != g.constants.end()) return &it->second;
    return nullptr;
  };
  std::vector<Tensor> in;
  for (const auto& n : g.nodes) {
    in.clear();
    for (const auto& name : n.inputs) {
      if (name.empty()) {
        in.emplace_back();  // an omitted optional input
        continue;
      }
      const Tensor* t = lookup(name);
      CAJAL_CHECK(t != nullptr, n.who(), "reads '{}', which no earlier node produced", name);
      in.push_back(*t);
    }
    std::vector<Tensor> out;
    try {
      out = n.fn(n, in);
    } catch (const Error& e) {  // an op's own error, named by the node that ran it
      if (e.op().starts_with("onnx load: node")) throw;
      throw Error(e.kind(), n.who(), e.what());
    }
    for (size_t k = 0; k < n.outputs.size() && k < out.size(); ++k)
      if (!n.outputs[k].empty()) values[n.outputs[k]] = std::move(out[k]);
  }
  const Tensor* y = lookup(g.output);
  CAJAL_CHECK(y != nullptr, "OnnxModule", "no node produces the graph output '{}'", g.output);
  return *y;
}

std::shared_ptr<OnnxModule> load(const std::string& path) { return detail::load_model(detail::read_model(path), path); }

std::shared_ptr<OnnxModule> detail::load_model(const pb::ModelProto& model, const std::string& source) {
  using namespace detail;
  const std::string who = fmt::format("onnx load: '{}'", source);
  auto graph = std::make_shared<OnnxModule::Graph>();
  graph->producer = model.producer_name().empty() ? "?" : model.producer_name();
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") graph->opset = o.version();
  CAJAL_CHECK(graph->opset >= 13 && graph->opset <= 17, who, "uses opset {}; cajal reads opsets 13 to 17",
              graph->opset);
  const pb::GraphProto& g = model.graph();
  for (const auto& t : g.initializer()) graph->constants[t.name()] = from_proto(t, who);

  // The one real input: older writers also list the initializers as inputs.
  std::vector<const pb::ValueInfoProto*> inputs;
  for (const auto& v : g.input())
    if (!graph->constants.count(v.name())) inputs.push_back(&v);
  CAJAL_CHECK(inputs.size() == 1, who, "expected a graph of one input, got {}", inputs.size());
  CAJAL_CHECK(g.output_size() == 1, who, "expected a graph of one output, got {}", g.output_size());
  graph->input = inputs[0]->name();
  graph->output = g.output(0).name();
  const auto& tt = inputs[0]->type().tensor_type();
  graph->input_dtype = dtype_of(tt.elem_type(), who);
  for (const auto& d : tt.shape().dim()) graph->input_shape.push_back(d.has_dim_value() ? d.dim_value() : -1);

  const auto& table = operators();
  for (const auto& n : g.node()) {
    Node node;
    node.op = n.op_type();
    node.name = n.name().empty() ? (n.output_size() ? n.output(0) : n.op_type()) : n.name();
    CAJAL_CHECK(n.domain().empty() || n.domain() == "ai.onnx", who, "node '{}' is of domain '{}'; cajal reads the default ONNX domain only", node.name, n.domain());
    auto op = table.find(node.op);
    CAJAL_CHECK(op != table.end(), who, "node '{}' uses operator {}, which cajal does not read (docs/INTERCHANGE.md lists those it does)",
                node.name, node.op);
    node.fn = op->second;
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    for (const auto& a : n.attribute()) node.attrs[a.name()] = a;
    graph->nodes.push_back(std::move(node));
  }
  return std::make_shared<OnnxModule>(std::move(graph));
}

}  // namespace cajal::onnx
