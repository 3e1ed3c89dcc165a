// PyTorch-like printing: tensor([[1.0000, 2.0000], ...], dtype=..., requires_grad=True).
#include <cmath>
#include <sstream>

#include "cajal/autograd/node.h"
#include "cajal/ops/ops.h"

namespace cajal {
namespace {

struct Fmt {
  bool floating;
  bool boolean = false;
  bool sci = false;
  bool all_int = true;
};

std::string fmt_value(double v, const Fmt& f) {
  if (f.boolean) return v != 0 ? "True" : "False";
  if (!f.floating) return fmt::format("{}", int64_t(v));
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (f.sci) return fmt::format("{:.4e}", v);
  if (f.all_int) return fmt::format("{:.0f}.", v);
  return fmt::format("{:.4f}", v);
}

void print_rec(std::ostringstream& os, const std::vector<double>& v, const Shape& shape, size_t dim, int64_t& idx,
               const Fmt& f, int indent, size_t width) {
  if (shape.empty()) {
    os << fmt_value(v[idx++], f);
    return;
  }
  os << "[";
  const int64_t n = shape[dim];
  const bool summarize = v.size() > 1000 && n > 6;
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && i == 3) {
      // skip the middle block
      int64_t block = 1;
      for (size_t d = dim + 1; d < shape.size(); ++d) block *= shape[d];
      idx += (n - 6) * block;
      i = n - 3;
      os << (dim + 1 == shape.size() ? "..., " : "...,\n" + std::string(indent + 1, ' '));
    }
    if (dim + 1 == shape.size()) {
      std::string s = fmt_value(v[idx++], f);
      os << std::string(width > s.size() ? width - s.size() : 0, ' ') << s;
      if (i + 1 < n) os << ", ";
    } else {
      print_rec(os, v, shape, dim + 1, idx, f, indent + 1, width);
      if (i + 1 < n) os << "," << std::string(shape.size() - dim - 1, '\n') << std::string(indent + 1, ' ');
    }
  }
  os << "]";
}

}  // namespace

std::string Tensor::to_string() const {
  if (!defined()) return "tensor(undefined)";
  std::vector<double> v = to_vector<double>();
  Fmt f{is_floating_point()};
  f.boolean = dtype() == DType::b8;
  double amax = 0, amin = INFINITY;
  for (double x : v) {
    if (!std::isfinite(x)) continue;
    if (x != std::floor(x)) f.all_int = false;
    amax = std::max(amax, std::abs(x));
    if (x != 0) amin = std::min(amin, std::abs(x));
  }
  if (f.floating && (amax >= 1e8 || (amin < 1e-4 && amin > 0) || (amin < INFINITY && amax / amin > 1000 && !f.all_int)))
    f.sci = amax >= 1e8 || amin < 1e-4;
  size_t width = 0;
  for (double x : v) width = std::max(width, fmt_value(x, f).size());
  std::ostringstream os;
  os << "tensor(";
  int64_t idx = 0;
  if (numel() == 0)
    os << "[]";
  else
    print_rec(os, v, shape(), 0, idx, f, 7, width);
  if (dtype() != DType::f32 && dtype() != DType::i64 && dtype() != DType::b8) os << ", dtype=" << dtype_name(dtype());
  if (numel() == 0 && dim() != 1) os << ", size=" << shape_str(shape());
  if (grad_fn()) {
    os << ", grad_fn=<" << grad_fn()->name << ">";
  } else if (requires_grad()) {
    os << ", requires_grad=True";
  }
  os << ")";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

}  // namespace cajal
