// cajal::onnx::export_module (cajal/onnx/onnx.h): the graph builder and the walk over the module
// tree; the per-type mappings are in export_table.cpp.
#include "exporter.h"

#include <fmt/format.h>

#include "cajal/autograd/grad_mode.h"
#include "cajal/core/error.h"
#include "cajal/ops/ops.h"
#include "cajal/onnx/onnx.h"
#include "cajal/version.h"
#include "interpreter.h"

namespace cajal::onnx {

namespace detail {

std::string GraphBuilder::fresh(const std::string& hint) {
  const std::string base = hint.empty() ? "v" : hint;
  std::string name = base;
  for (int k = 1; taken_.count(name); ++k) name = fmt::format("{}_{}", base, k);
  taken_.insert(name);
  return name;
}

std::vector<std::string> GraphBuilder::node(const std::string& op, const std::vector<std::string>& inputs,
                                            std::vector<pb::AttributeProto> attrs, const std::string& hint,
                                            int outputs) {
  pb::NodeProto* n = graph_.add_node();
  n->set_op_type(op);
  n->set_name(fresh(hint + "/" + op));
  for (const auto& i : inputs) n->add_input(i);
  std::vector<std::string> outs;
  for (int k = 0; k < outputs; ++k) {
    outs.push_back(fresh(hint.empty() ? op : hint));
    n->add_output(outs.back());
  }
  for (auto& a : attrs) *n->add_attribute() = std::move(a);
  return outs;
}

std::string GraphBuilder::initializer(const std::string& name, const Tensor& t) {
  const std::string unique = fresh(name);
  *graph_.add_initializer() = to_proto(t, unique);
  return unique;
}

std::string GraphBuilder::ints(const std::vector<int64_t>& v, const std::string& hint) {
  return initializer(hint, from_vector(v, Shape{int64_t(v.size())}));
}

Value Exporter::emit(nn::Module& m, const std::string& path, const Value& x) {
  const auto& by_type = emitters_by_type();
  if (auto it = by_type.find(std::type_index(typeid(m))); it != by_type.end()) return it->second(*this, m, path, x);
  const auto& by_name = emitters_by_name();
  if (auto it = by_name.find(m.type_name()); it != by_name.end()) return it->second(*this, m, path, x);
  CAJAL_FAIL(Value, "onnx export", "no ONNX mapping for {} ({}); docs/INTERCHANGE.md lists the supported modules",
             path.empty() ? std::string("the root module") : fmt::format("module '{}'", path), m.type_name());
}

nn::Module& Exporter::child(nn::Module& m, const std::string& name) {
  for (const auto& [n, c] : m.named_children())
    if (n == name) return *c;
  CAJAL_FAIL(Value, "onnx export", "module {} has no child '{}'", m.type_name(), name);
}

Value Exporter::emit_child(nn::Module& m, const std::string& path, const std::string& name, const Value& x) {
  return emit(child(m, name), join(path, name), x);
}

namespace {

// The declared type of a graph input or output: t's dtype and shape, with the `dynamic` dims symbolic.
pb::ValueInfoProto value_info(const std::string& name, const Tensor& t, const std::map<int64_t, std::string>& dynamic,
                              const char* which) {
  pb::ValueInfoProto v;
  v.set_name(name);
  auto* tt = v.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type(t.dtype()));
  auto* shape = tt->mutable_shape();
  for (const auto& [d, symbol] : dynamic)
    CAJAL_CHECK(d >= 0 && d < t.dim() && !symbol.empty(), "onnx export",
                "expected dynamic {} dims in [0, {}) with names, got dim {} '{}' (the {} has shape {})", which, t.dim(),
                d, symbol, which, shape_str(t.shape()));
  for (int64_t d = 0; d < t.dim(); ++d) {
    auto* dim = shape->add_dim();
    if (auto it = dynamic.find(d); it != dynamic.end())
      dim->set_dim_param(it->second);
    else
      dim->set_dim_value(t.size(d));
  }
  return v;
}

// The example with dim d one shorter (or one longer when it is 1): the rows it keeps, or its first
// row again, so token ids stay valid ids.
Tensor resized_along(const Tensor& example, int64_t d) {
  const int64_t n = example.size(d);
  return n > 1 ? narrow(example, d, 0, n - 1).contiguous() : cat({example, example}, d);
}

// The exported graph, run on the example resized along each dynamic input dim, must give what the
// module gives: a size the graph took from the example as a constant shows up here, not in a
// user's runtime later.
// An output dim whose size follows a dynamic input dim must be declared dynamic too, else the file
// would declare a shape its graph does not produce.
void check_dynamic_dims(const pb::ModelProto& model, nn::Module& module, const Tensor& example, const Shape& output,
                        const ExportOptions& options) {
  if (options.dynamic_input_dims.empty()) return;
  auto graph = load_model(model, "the exported graph");
  for (const auto& [d, symbol] : options.dynamic_input_dims) {
    const Tensor probe = resized_along(example, d);
    const Tensor want = run_module(module, probe);
    Tensor got;
    std::string problem;
    try {
      got = graph->forward(probe);
      if (got.shape() != want.shape())
        problem = fmt::format("gives shape {} where the module gives {}", shape_str(got.shape()), shape_str(want.shape()));
      else if (double err = max(abs(sub(got, want))).item(); !(err <= 1e-4 * (1 + max(abs(want)).item())))
        problem = fmt::format("differs from the module by up to {:.3g}", err);
    } catch (const Error& e) {
      problem = fmt::format("fails: {}", e.what());
    }
    CAJAL_CHECK(problem.empty(), "onnx export",
                "input dim {} ('{}') cannot be dynamic: the graph has its size {} built in (on an input of shape {}, "
                "it {}); export it with that dim fixed",
                d, symbol, example.size(d), shape_str(probe.shape()), problem);
    for (int64_t k = 0; k < want.dim() && want.dim() == int64_t(output.size()); ++k)
      CAJAL_CHECK(want.size(k) == output[size_t(k)] || options.dynamic_output_dims.count(k), "onnx export",
                  "output dim {} changes with input dim {} ('{}') (size {} -> {} on an input of shape {}): declare it "
                  "dynamic too",
                  k, d, symbol, output[size_t(k)], want.size(k), shape_str(probe.shape()));
  }
}

// Gives the graph's last value the output name: renames the producing node's output when nothing
// else reads it, else adds an Identity.
void name_output(pb::GraphProto& g, const std::string& value, const std::string& output) {
  bool read_elsewhere = false;
  for (const auto& n : g.node())
    for (const auto& i : n.input()) read_elsewhere |= i == value;
  pb::NodeProto* producer = nullptr;
  for (auto& n : *g.mutable_node())
    for (auto& o : *n.mutable_output())
      if (o == value) producer = &n;
  if (producer && !read_elsewhere) {
    for (auto& o : *producer->mutable_output())
      if (o == value) o = output;
    return;
  }
  pb::NodeProto* id = g.add_node();
  id->set_op_type("Identity");
  id->set_name("output/Identity");
  id->add_input(value);
  id->add_output(output);
}

}  // namespace
}  // namespace detail

bool available() { return true; }

void require_available(const std::string&) {}

void export_module(nn::Module& module, const Tensor& example, const std::string& path, const ExportOptions& options) {
  using namespace detail;
  CAJAL_CHECK(options.opset >= 13 && options.opset <= 17, "onnx export", "expected an opset from 13 to 17, got {}",
              options.opset);
  CAJAL_CHECK(example.defined(), "onnx export", "expected an example input tensor, got an undefined one");
  nn::EvalModeGuard eval_mode(module);
  NoGradGuard no_grad;

  pb::ModelProto model;
  model.set_ir_version(options.opset >= 15 ? 8 : 7);  // the IR version that introduced each opset
  model.set_producer_name("cajal");
  model.set_producer_version(CAJAL_VERSION_STRING);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(options.opset);
  pb::GraphProto* graph = model.mutable_graph();
  graph->set_name(module.type_name());

  GraphBuilder g(*graph);
  const std::string input = g.fresh(options.input_name);
  *graph->add_input() = value_info(input, example, options.dynamic_input_dims, "input");
  Exporter ex(g, options.opset);
  Value out = ex.emit(module, "", Value{input, example.detach()});
  CAJAL_CHECK(out.name != input, "onnx export", "the module {} maps its input to itself; nothing to export",
              module.type_name());
  name_output(*graph, out.name, options.output_name);
  *graph->add_output() = value_info(options.output_name, out.traced, options.dynamic_output_dims, "output");
  check_dynamic_dims(model, module, example.detach(), out.traced.shape(), options);
  write_model(model, path);
}

}  // namespace cajal::onnx
