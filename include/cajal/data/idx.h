// IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed (detected by the gzip
// magic bytes, not the file name).
//
// Layout: magic 0x00 0x00 <type> <ndim>, then ndim big-endian uint32 sizes, then the elements,
// big-endian, row-major. Types and the tensor dtype each becomes:
//   0x08 uint8 -> uint8     0x09 int8 -> int64    0x0B int16 -> int64    0x0C int32 -> int64
//   0x0D float32 -> float32     0x0E float64 -> float64
#pragma once
#include <string>

#include "cajal/core/tensor.h"

namespace cajal::data {

// Reads a whole IDX file. Validates everything first and throws cajal::Error (ErrorKind::IO)
// naming the path and the byte offset: bad magic, unknown type code, zero or absurd dims,
// truncated data ("truncated at byte 4096: expected 47040016 bytes of data after the 16-byte
// header, got 4080"), and trailing bytes after the data.
Tensor read_idx(const std::string& path);

// Reads a uint8 IDX file as float32, element = byte * scale (Fashion-MNIST: scale 1/255), decoding
// the payload in 64 KiB chunks straight into the output, so the uint8 tensor is never held whole.
// Same checks and messages as read_idx; a type other than uint8 throws "expected uint8 elements".
Tensor read_idx_u8_as_f32(const std::string& path, float scale);

}  // namespace cajal::data
