// IDX reader (see cajal/data/idx.h). Elements are big-endian on disk: multi-byte types are
// byte-swapped after reading (uint8, the common case, is read straight into the tensor).
// Both entry points share read_header, so every header check and message lives in one place.
#include "cajal/data/idx.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "data/byte_reader.h"

namespace cajal::data {

namespace {

// Beyond this an IDX header is corrupt, not a dataset (Fashion-MNIST's train images are 47 MB).
constexpr uint64_t kMaxIdxBytes = uint64_t(1) << 34;
// Gzip streams claiming more than this are staged in a growing buffer (see read_idx).
constexpr uint64_t kDirectGzipBytes = uint64_t(64) << 20;

struct IdxType {
  uint8_t code;
  const char* name;
  size_t size;  // bytes per element on disk
  DType dtype;  // what the tensor holds
};
constexpr IdxType kIdxTypes[] = {
    {0x08, "uint8", 1, DType::u8},     {0x09, "int8", 1, DType::i64},     {0x0B, "int16", 2, DType::i64},
    {0x0C, "int32", 4, DType::i64},    {0x0D, "float32", 4, DType::f32},  {0x0E, "float64", 8, DType::f64},
};

uint32_t load_be32(const unsigned char* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }

// Big-endian disk elements -> tensor elements of the mapped dtype.
void convert_from_big_endian(const IdxType& type, const unsigned char* src, Tensor& out) {
  static_assert(std::endian::native == std::endian::little, "cajal's file readers assume a little-endian host");
  const int64_t n = out.numel();
  switch (type.code) {
    case 0x09: {
      int64_t* dst = out.data_ptr<int64_t>();
      for (int64_t i = 0; i < n; ++i) dst[i] = int8_t(src[i]);
      break;
    }
    case 0x0B: {
      int64_t* dst = out.data_ptr<int64_t>();
      for (int64_t i = 0; i < n; ++i) dst[i] = int16_t(uint16_t(src[2 * i] << 8 | src[2 * i + 1]));
      break;
    }
    case 0x0C: {
      int64_t* dst = out.data_ptr<int64_t>();
      for (int64_t i = 0; i < n; ++i) dst[i] = int32_t(load_be32(src + 4 * i));
      break;
    }
    case 0x0D: {  // in place: the disk bytes are already in the tensor
      uint32_t* dst = static_cast<uint32_t*>(out.raw_data());
      for (int64_t i = 0; i < n; ++i) dst[i] = __builtin_bswap32(dst[i]);
      break;
    }
    case 0x0E: {
      uint64_t* dst = static_cast<uint64_t*>(out.raw_data());
      for (int64_t i = 0; i < n; ++i) dst[i] = __builtin_bswap64(dst[i]);
      break;
    }
    default: break;  // uint8: already in place
  }
}

// What the header says, validated. A raw file's size is known, so a truncation is reported here,
// before anything is allocated.
struct IdxHeader {
  const IdxType* type;
  Shape shape;
  uint64_t bytes;    // payload bytes on disk
  std::string what;  // "data after the N-byte header", for truncation messages
};

IdxHeader read_header(detail::ByteReader& r) {
  unsigned char magic[4];
  r.read_exact(magic, 4, "IDX magic");
  if (magic[0] != 0 || magic[1] != 0)
    r.fail("bad magic 0x{:02x} 0x{:02x} at byte 0: an IDX file starts with 0x00 0x00 <type> <ndim>", magic[0],
           magic[1]);
  const IdxType* type = nullptr;
  for (const IdxType& t : kIdxTypes)
    if (t.code == magic[2]) type = &t;
  if (!type)
    r.fail("unknown IDX type code 0x{:02x} at byte 2 (expected 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, "
           "0x0d float32 or 0x0e float64)",
           magic[2]);
  const int ndim = magic[3];
  if (ndim == 0) r.fail("IDX header declares 0 dimensions at byte 3; expected at least 1");

  std::vector<unsigned char> dims_raw(static_cast<size_t>(ndim) * 4);
  r.read_exact(dims_raw.data(), dims_raw.size(), fmt::format("sizes of {} dimensions", ndim));
  Shape shape(static_cast<size_t>(ndim));
  // NB: the bound applies to the product of the non-zero sizes too: an empty [0, 2^32, 2^32] tensor
  // would still overflow its strides.
  uint64_t bytes = type->size, span = type->size;
  for (int d = 0; d < ndim; ++d) {
    shape[d] = load_be32(&dims_raw[size_t(d) * 4]);
    const uint64_t size = uint64_t(shape[d]);
    if (std::max<uint64_t>(size, 1) > kMaxIdxBytes / span)
      r.fail("absurd dimensions {} in the header (bytes 4-{}): more than {} bytes of {}", shape_str(shape),
             3 + 4 * ndim, kMaxIdxBytes, type->name);
    span *= std::max<uint64_t>(size, 1);
    bytes *= size;
  }
  const uint64_t header = 4 + 4 * uint64_t(ndim);
  std::string what = fmt::format("data after the {}-byte header", header);
  if (auto total = r.size(); total && *total - header < bytes)
    r.fail("truncated at byte {}: expected {} bytes of {}, got {}", *total, bytes, what, *total - header);
  return {type, std::move(shape), bytes, std::move(what)};
}

// The payload after read_header, as a tensor of the type's dtype; checks the stream ends there.
Tensor read_payload(detail::ByteReader& r, const IdxHeader& h) {
  const IdxType* type = h.type;
  const Shape& shape = h.shape;
  const uint64_t bytes = h.bytes;
  const std::string& what = h.what;

  // Same width on disk and in memory: read straight into the tensor. Otherwise (widened integer
  // types, or a gzip stream claiming more than kDirectGzipBytes, whose real length is unknown until
  // it is read) stage the bytes first, growing the buffer as data actually arrives, so a corrupt
  // header cannot make us allocate gigabytes.
  const bool direct = type->size == dtype_size(type->dtype) && (r.size() || bytes <= kDirectGzipBytes);
  Tensor out;
  std::vector<unsigned char> staged;
  if (direct) {
    out = make_tensor(shape, type->dtype);
    r.read_exact(out.raw_data(), size_t(bytes), what);
  } else {
    constexpr uint64_t kChunk = uint64_t(16) << 20;
    while (staged.size() < bytes) {
      const size_t old = staged.size(), want = size_t(std::min<uint64_t>(kChunk, bytes - old));
      staged.resize(old + want);
      const size_t got = r.read(staged.data() + old, want);
      staged.resize(old + got);
      if (got < want) r.fail("truncated at byte {}: expected {} bytes of {}, got {}", r.offset(), bytes, what, staged.size());
    }
    out = make_tensor(shape, type->dtype);
    if (type->size == dtype_size(type->dtype)) std::memcpy(out.raw_data(), staged.data(), staged.size());
  }
  convert_from_big_endian(*type, direct ? static_cast<const unsigned char*>(out.raw_data()) : staged.data(), out);
  r.expect_end("the data");
  return out;
}

void scale_u8(const unsigned char* src, size_t n, float scale, float* dst) {
  for (size_t i = 0; i < n; ++i) dst[i] = float(src[i]) * scale;
}

}  // namespace

Tensor read_idx(const std::string& path) {
  auto reader = detail::open_file(path, "read_idx");
  const IdxHeader h = read_header(*reader);
  return read_payload(*reader, h);
}

Tensor read_idx_u8_as_f32(const std::string& path, float scale) {
  auto reader = detail::open_file(path, "read_idx");
  detail::ByteReader& r = *reader;
  const IdxHeader h = read_header(r);
  if (h.type->code != 0x08) r.fail("expected uint8 elements (type code 0x08 at byte 2), got {}", h.type->name);
  // A gzip stream's real length is unknown until it is read: one claiming more than
  // kDirectGzipBytes goes through read_idx's staged path, so a corrupt header cannot make us
  // allocate gigabytes of floats up front.
  if (!r.size() && h.bytes > kDirectGzipBytes) {
    const Tensor bytes = read_payload(r, h);
    Tensor out = make_tensor(h.shape, DType::f32);
    scale_u8(bytes.data_ptr<uint8_t>(), size_t(h.bytes), scale, out.data_ptr<float>());
    return out;
  }
  Tensor out = make_tensor(h.shape, DType::f32);
  float* dst = out.data_ptr<float>();
  unsigned char chunk[64 << 10];
  for (uint64_t done = 0; done < h.bytes;) {
    const size_t want = size_t(std::min<uint64_t>(sizeof chunk, h.bytes - done));
    const size_t got = r.read(chunk, want);
    if (got < want)
      r.fail("truncated at byte {}: expected {} bytes of {}, got {}", r.offset(), h.bytes, h.what, done + got);
    scale_u8(chunk, got, scale, dst);
    dst += got;
    done += got;
  }
  r.expect_end("the data");
  return out;
}

}  // namespace cajal::data
