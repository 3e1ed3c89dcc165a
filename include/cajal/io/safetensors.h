// safetensors files (the Hugging Face format; loadable with `safetensors.torch.load_file`).
//
// Layout: an 8-byte little-endian header length N, then N bytes of JSON
//   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value", ...}}
// (cajal pads the JSON with spaces to a multiple of 8 bytes), then the tensors' raw
// little-endian bytes, contiguous and row-major; data_offsets count from the end of the header.
// dtypes: F32, F64, I64, U8, BOOL (cajal's five).
//
// Writing is atomic: the file is written to "<path>.tmp.<pid>", flushed, fsync'ed and renamed over
// `path`, so a crash or a failed write never leaves a half-written file (an existing file stays).
// Loading validates the whole header against the file before reading any tensor: header length vs
// file size, JSON syntax (with the byte offset), dtypes, shape vs byte range, overlapping,
// out-of-range or missing bytes, truncated data — each a cajal::Error (ErrorKind::IO) naming the
// path and a byte offset.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "cajal/core/state_dict.h"

namespace cajal::io {

using Metadata = std::map<std::string, std::string>;

struct SafetensorsFile {
  StateDict tensors;                   // in file order (increasing data offset)
  Metadata metadata;                   // the "__metadata__" entry
  std::vector<uint64_t> file_offsets;  // where each tensor's bytes start in the file, for messages
};

// Tensor names must be non-empty, unique and not "__metadata__"; views are written contiguously.
void save_safetensors(const std::string& path, const StateDict& tensors, const Metadata& metadata = {});
SafetensorsFile load_safetensors(const std::string& path);

}  // namespace cajal::io
