// cajal::onnx (cajal/onnx/onnx.h) in a build without protobuf (CMake option CAJAL_ONNX off or
// protobuf not found): every entry point says so.
#include "cajal/core/error.h"
#include "cajal/onnx/onnx.h"

namespace cajal::onnx {

namespace {
[[noreturn]] void unavailable(const std::string& who) {
  CAJAL_FAIL(Runtime, who,
             "cajal was built without ONNX support (CMake option CAJAL_ONNX off, or protobuf not found at "
             "configure time: install libprotobuf-dev and protobuf-compiler, then reconfigure)");
}
}  // namespace

void require_available(const std::string& who) { unavailable(who); }

struct OnnxModule::Graph {};

bool available() { return false; }

void export_module(nn::Module&, const Tensor&, const std::string&, const ExportOptions&) { unavailable("onnx export"); }

OnnxModule::OnnxModule(std::shared_ptr<const Graph> graph) : UnaryModule("OnnxModule"), graph_(std::move(graph)) {}
Tensor OnnxModule::forward(const Tensor&) { unavailable("onnx load"); }
std::string OnnxModule::extra_repr() const { return ""; }
std::vector<std::string> OnnxModule::op_types() const { return {}; }

std::shared_ptr<OnnxModule> load(const std::string&) { unavailable("onnx load"); }

}  // namespace cajal::onnx
