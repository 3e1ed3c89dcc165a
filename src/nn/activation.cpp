// Printing of FunctionModule arguments the way PyTorch's repr shows Python values.
#include "cajal/nn/activation.h"

namespace cajal::nn::detail {

std::string repr_arg(bool v) { return v ? "True" : "False"; }
std::string repr_arg(int64_t v) { return std::to_string(v); }
std::string repr_arg(double v) {
  std::string s = fmt::format("{}", v);  // shortest round-trip form
  // Python writes a float with an integral value as "1.0"; fmt writes "1".
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

}  // namespace cajal::nn::detail
