// rethrow_in_layer: the same error (kind and op kept) with the failing child's dotted name and
// its input shape; an error that already names a layer gets the enclosing child's name prefixed.
#include "cajal/nn/layer_context.h"

#include <string_view>

namespace cajal::nn {

namespace {
constexpr std::string_view kMarker = " (in layer ";
}

void rethrow_in_layer(const Error& e, const std::string& name, const Module& child, const Tensor& input) {
  std::string text = e.what();
  const std::string prefix = e.op().empty() ? "" : e.op() + ": ";
  if (text.rfind(prefix, 0) == 0) text = text.substr(prefix.size());  // Error adds the op again
  const size_t at = text.rfind(kMarker);
  if (at != std::string::npos) {
    text.insert(at + kMarker.size(), name + ".");
  } else {
    text += fmt::format("{}{}: {}, input {})", kMarker, name, child.type_name(),
                        input.defined() ? shape_str(input.shape()) : std::string("undefined"));
  }
  throw Error(e.kind(), e.op(), text);
}

}  // namespace cajal::nn
