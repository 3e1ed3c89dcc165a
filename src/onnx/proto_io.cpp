// ONNX protobuf messages <-> cajal tensors and files (proto_io.h).
#include "proto_io.h"

#include <cstring>
#include <fstream>

#include <google/protobuf/stubs/logging.h>

#include "cajal/core/error.h"
#include "cajal/ops/ops.h"
#include "io/atomic_file.h"

namespace cajal::onnx::detail {

int32_t elem_type(DType dtype) {
  switch (dtype) {
    case DType::f32: return pb::TensorProto::FLOAT;
    case DType::f64: return pb::TensorProto::DOUBLE;
    case DType::i64: return pb::TensorProto::INT64;
    case DType::u8: return pb::TensorProto::UINT8;
    case DType::b8: return pb::TensorProto::BOOL;
  }
  return pb::TensorProto::UNDEFINED;
}

namespace {
size_t element_size(DType d) { return d == DType::f64 || d == DType::i64 ? 8 : d == DType::f32 ? 4 : 1; }
}  // namespace

pb::TensorProto to_proto(const Tensor& t, const std::string& name) {
  pb::TensorProto p;
  p.set_name(name);
  p.set_data_type(elem_type(t.dtype()));
  for (int64_t d : t.shape()) p.add_dims(d);
  Tensor c = t.is_contiguous() ? t : contiguous(t);
  const size_t bytes = size_t(c.numel()) * element_size(c.dtype());
  const void* src = nullptr;
  switch (c.dtype()) {
    case DType::f32: src = c.data_ptr<float>(); break;
    case DType::f64: src = c.data_ptr<double>(); break;
    case DType::i64: src = c.data_ptr<int64_t>(); break;
    case DType::u8:
    case DType::b8: src = c.data_ptr<uint8_t>(); break;
  }
  p.set_raw_data(std::string(static_cast<const char*>(src), bytes));  // x86-64 is little-endian, as ONNX
  return p;
}

namespace {
template <class T, class Field>
std::vector<T> typed_or_raw(const pb::TensorProto& p, const Field& field, int64_t n, const std::string& who) {
  // The sizes are checked against the bytes present before anything is allocated.
  if (p.has_raw_data()) {
    CAJAL_CHECK(p.raw_data().size() / sizeof(T) == uint64_t(n) && p.raw_data().size() % sizeof(T) == 0, who,
                "tensor '{}' holds {} bytes of raw data, expected {} for its {} elements", p.name(),
                p.raw_data().size(), uint64_t(n) * sizeof(T), n);
    std::vector<T> v(static_cast<size_t>(n));
    if (n) std::memcpy(v.data(), p.raw_data().data(), v.size() * sizeof(T));
    return v;
  }
  CAJAL_CHECK(int64_t(field.size()) == n, who, "tensor '{}' holds {} values, expected {}", p.name(), field.size(), n);
  std::vector<T> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = T(field.Get(int(i)));
  return v;
}
}  // namespace

Tensor from_proto(const pb::TensorProto& p, const std::string& who) {
  Shape shape;
  int64_t n = 1;
  for (int64_t d : p.dims()) {
    CAJAL_CHECK(d >= 0, who, "tensor '{}' has a negative dimension {}", p.name(), d);
    CAJAL_CHECK(!__builtin_mul_overflow(n, d, &n), who, "tensor '{}' has more elements than int64 counts", p.name());
    shape.push_back(d);
  }
  switch (p.data_type()) {
    case pb::TensorProto::FLOAT: return from_vector(typed_or_raw<float>(p, p.float_data(), n, who), shape);
    case pb::TensorProto::DOUBLE: {
      auto v = typed_or_raw<double>(p, p.double_data(), n, who);
      return from_vector(v, shape, DType::f64);
    }
    case pb::TensorProto::INT64: return from_vector(typed_or_raw<int64_t>(p, p.int64_data(), n, who), shape);
    case pb::TensorProto::INT32: {
      auto v = typed_or_raw<int32_t>(p, p.int32_data(), n, who);
      return from_vector(std::vector<int64_t>(v.begin(), v.end()), shape);
    }
    case pb::TensorProto::UINT8:
    case pb::TensorProto::BOOL: {
      // Both are one byte per element; int32_data holds them when raw_data is absent.
      auto v = typed_or_raw<uint8_t>(p, p.int32_data(), n, who);
      std::vector<double> d(v.begin(), v.end());
      return from_vector(d, shape, p.data_type() == pb::TensorProto::BOOL ? DType::b8 : DType::u8);
    }
    default:
      CAJAL_FAIL(Type, who, "tensor '{}' has ONNX element type {}, expected float, double, int64, int32, uint8 or bool",
                 p.name(), p.data_type());
  }
}

pb::AttributeProto attr_int(const std::string& name, int64_t v) {
  pb::AttributeProto a;
  a.set_name(name);
  a.set_type(pb::AttributeProto::INT);
  a.set_i(v);
  return a;
}

pb::AttributeProto attr_float(const std::string& name, double v) {
  pb::AttributeProto a;
  a.set_name(name);
  a.set_type(pb::AttributeProto::FLOAT);
  a.set_f(float(v));
  return a;
}

pb::AttributeProto attr_ints(const std::string& name, const std::vector<int64_t>& v) {
  pb::AttributeProto a;
  a.set_name(name);
  a.set_type(pb::AttributeProto::INTS);
  for (int64_t x : v) a.add_ints(x);
  return a;
}

pb::AttributeProto attr_floats(const std::string& name, const std::vector<float>& v) {
  pb::AttributeProto a;
  a.set_name(name);
  a.set_type(pb::AttributeProto::FLOATS);
  for (float x : v) a.add_floats(x);
  return a;
}

pb::AttributeProto attr_string(const std::string& name, const std::string& v) {
  pb::AttributeProto a;
  a.set_name(name);
  a.set_type(pb::AttributeProto::STRING);
  a.set_s(v);
  return a;
}

pb::AttributeProto attr_strings(const std::string& name, const std::vector<std::string>& v) {
  pb::AttributeProto a;
  a.set_name(name);
  a.set_type(pb::AttributeProto::STRINGS);
  for (const auto& x : v) a.add_strings(x);
  return a;
}

// Atomically (io/atomic_file.h): a failed export leaves any earlier file at `path` whole.
void write_model(const pb::ModelProto& model, const std::string& path) {
  std::string bytes;
  CAJAL_CHECK_KIND(model.SerializeToString(&bytes), IO, "onnx export", "cannot serialise the model for '{}'", path);
  cajal::detail::AtomicFile file(path, "onnx export");
  file.write(bytes);
  file.commit();
}

pb::ModelProto read_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  CAJAL_CHECK_KIND(in.good(), IO, "onnx load", "cannot open '{}'", path);
  pb::ModelProto model;
  // Builds without NDEBUG (the sanitizer and fuzzing build) check that string fields are UTF-8 and
  // log an ERROR line to stderr for each that is not, then accept it; the fuzzer's logs filled with
  // them. A library's caller gets the verdict as a cajal::Error instead. LogSilencer is protobuf's
  // thread-safe way to do that (SetLogHandler would change the whole process's handler).
  const google::protobuf::LogSilencer quiet;
  CAJAL_CHECK_KIND(model.ParseFromIstream(&in), IO, "onnx load", "'{}' is not an ONNX model (protobuf parse failed)",
                   path);
  return model;
}

}  // namespace cajal::onnx::detail
