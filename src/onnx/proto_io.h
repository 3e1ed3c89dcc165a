// Reading and writing the ONNX protobuf messages (onnx_format.proto): cajal tensors to and from
// TensorProto, attribute helpers, and whole-file save/load. Internal to src/onnx/.
#pragma once
#include <string>
#include <vector>

#include "cajal/core/tensor.h"
#include "onnx_format.pb.h"

namespace cajal::onnx::detail {

namespace pb = ::cajal::onnx_format;

// ONNX's element type of a cajal dtype (FLOAT, DOUBLE, INT64, UINT8, BOOL).
int32_t elem_type(DType dtype);

// A contiguous little-endian copy of `t` in raw_data (the layout ONNX specifies).
pb::TensorProto to_proto(const Tensor& t, const std::string& name);
// float, double, int64, int32 (as int64), uint8 and bool tensors, from raw_data or the typed
// fields; anything else is a cajal::Error naming `who` and the type.
Tensor from_proto(const pb::TensorProto& p, const std::string& who);

pb::AttributeProto attr_int(const std::string& name, int64_t v);
pb::AttributeProto attr_float(const std::string& name, double v);
pb::AttributeProto attr_ints(const std::string& name, const std::vector<int64_t>& v);
pb::AttributeProto attr_floats(const std::string& name, const std::vector<float>& v);
pb::AttributeProto attr_string(const std::string& name, const std::string& v);
pb::AttributeProto attr_strings(const std::string& name, const std::vector<std::string>& v);

void write_model(const pb::ModelProto& model, const std::string& path);
pb::ModelProto read_model(const std::string& path);

}  // namespace cajal::onnx::detail
