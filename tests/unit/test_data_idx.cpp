// read_idx: every IDX element type, raw and gzip (detected by magic bytes), and each corruption
// reported with the path and the byte offset.
#include <algorithm>

#include "cajal/data/idx.h"
#include "data_io_test_util.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::test;
using data::read_idx;

TEST(ReadIdx, Uint8RawAndGzip) {
  TempDir dir;
  Bytes data;
  for (int i = 0; i < 2 * 3 * 4; ++i) data += char(i * 10);
  const Bytes file = idx_bytes(0x08, {2, 3, 4}, data);
  write_bytes(dir.file("raw-idx3-ubyte"), file);
  write_gzip(dir.file("packed-idx3-ubyte.gz"), file);
  for (const char* name : {"raw-idx3-ubyte", "packed-idx3-ubyte.gz"}) {
    Tensor t = read_idx(dir.file(name));
    EXPECT_EQ(t.dtype(), DType::u8);
    EXPECT_EQ(t.shape(), (Shape{2, 3, 4}));
    std::vector<uint8_t> v = t.to_vector<uint8_t>();
    for (int i = 0; i < 24; ++i) EXPECT_EQ(v[size_t(i)], uint8_t(i * 10));
  }
}

TEST(ReadIdx, GzipIsDetectedByMagicNotExtension) {
  TempDir dir;
  const Bytes file = idx_bytes(0x08, {3}, Bytes{char(7), char(8), char(9)});
  write_gzip(dir.file("labels.raw"), file);  // gzip without .gz
  write_bytes(dir.file("labels.gz"), file);  // raw named .gz
  EXPECT_EQ(read_idx(dir.file("labels.raw")).to_vector<int64_t>(), (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(read_idx(dir.file("labels.gz")).to_vector<int64_t>(), (std::vector<int64_t>{7, 8, 9}));
}

TEST(ReadIdx, BigEndianWiderTypes) {
  TempDir dir;
  // int8 -3, 5 ; int16 -2, 300 ; int32 -70000, 123456 ; float32 1.5, -2.25 ; float64 0.1
  write_bytes(dir.file("i8"), idx_bytes(0x09, {2}, Bytes{char(0xFD), char(5)}));
  write_bytes(dir.file("i16"), idx_bytes(0x0B, {2}, Bytes{char(0xFF), char(0xFE), char(0x01), char(0x2C)}));
  Bytes i32;
  put_be32(i32, uint32_t(-70000));
  put_be32(i32, 123456);
  write_bytes(dir.file("i32"), idx_bytes(0x0C, {1, 2}, i32));
  Bytes f32;
  put_be32(f32, 0x3FC00000);  // 1.5
  put_be32(f32, 0xC0100000);  // -2.25
  write_bytes(dir.file("f32"), idx_bytes(0x0D, {2}, f32));
  Bytes f64;
  put_be32(f64, 0x3FB99999);  // 0.1 = 0x3FB999999999999A
  put_be32(f64, 0x9999999A);
  write_bytes(dir.file("f64"), idx_bytes(0x0E, {1}, f64));

  EXPECT_EQ(read_idx(dir.file("i8")).to_vector<int64_t>(), (std::vector<int64_t>{-3, 5}));
  EXPECT_EQ(read_idx(dir.file("i16")).to_vector<int64_t>(), (std::vector<int64_t>{-2, 300}));
  Tensor t32 = read_idx(dir.file("i32"));
  EXPECT_EQ(t32.dtype(), DType::i64);
  EXPECT_EQ(t32.shape(), (Shape{1, 2}));
  EXPECT_EQ(t32.to_vector<int64_t>(), (std::vector<int64_t>{-70000, 123456}));
  Tensor tf = read_idx(dir.file("f32"));
  EXPECT_EQ(tf.dtype(), DType::f32);
  EXPECT_EQ(tf.to_vector<float>(), (std::vector<float>{1.5f, -2.25f}));
  Tensor td = read_idx(dir.file("f64"));
  EXPECT_EQ(td.dtype(), DType::f64);
  EXPECT_EQ(td.item(), 0.1);
}

TEST(ReadIdx, TruncatedDataNamesPathAndOffset) {
  TempDir dir;
  // A Fashion-MNIST train-images header promising 60000 28x28 images, cut after 4080 data bytes.
  const Bytes file = idx_bytes(0x08, {60000, 28, 28}, Bytes(4080, '\x01'));
  const std::string raw = dir.file("train-images-idx3-ubyte"), gz = dir.file("train-images-idx3-ubyte.gz");
  write_bytes(raw, file);
  write_gzip(gz, file);
  const char* expected = "truncated at byte 4096: expected 47040000 bytes of data after the 16-byte header, got 4080";
  EXPECT_CAJAL_ERROR(read_idx(raw), "read_idx: ", raw.c_str(), expected);
  EXPECT_CAJAL_ERROR(read_idx(gz), "read_idx: ", gz.c_str(), expected);
  try {
    read_idx(raw);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::IO);
    EXPECT_EQ(std::string(e.what()), "read_idx: " + raw + ": " + expected);
  }
}

TEST(ReadIdx, CorruptHeadersAndTrailingBytes) {
  TempDir dir;
  const std::string p = dir.file("bad");
  write_bytes(p, Bytes{char(0), char(1), char(8), char(1)});
  EXPECT_CAJAL_ERROR(read_idx(p), p.c_str(), "bad magic 0x00 0x01 at byte 0");
  write_bytes(p, Bytes{char(0), char(0), char(0x0A), char(1), 0, 0, 0, 1, 5});
  EXPECT_CAJAL_ERROR(read_idx(p), p.c_str(), "unknown IDX type code 0x0a at byte 2");
  write_bytes(p, Bytes{char(0), char(0), char(8), char(0)});
  EXPECT_CAJAL_ERROR(read_idx(p), p.c_str(), "0 dimensions at byte 3");
  write_bytes(p, Bytes{char(0), char(0), char(8), char(3), 0, 0, 0, 1});
  EXPECT_CAJAL_ERROR(read_idx(p), p.c_str(), "truncated at byte 8: expected 12 bytes of sizes of 3 dimensions, got 4");
  write_bytes(p, Bytes{char(0), char(0)});
  EXPECT_CAJAL_ERROR(read_idx(p), p.c_str(), "truncated at byte 2: expected 4 bytes of IDX magic, got 2");
  write_bytes(p, idx_bytes(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, ""));
  EXPECT_CAJAL_ERROR(read_idx(p), p.c_str(), "absurd dimensions");
  write_bytes(p, idx_bytes(0x08, {0, 0xFFFFFFFF, 0xFFFFFFFF}, ""));  // empty, yet its strides would overflow
  EXPECT_CAJAL_ERROR(read_idx(p), p.c_str(), "absurd dimensions [0, 4294967295, 4294967295]");
  write_bytes(p, idx_bytes(0x08, {2}, Bytes{char(1), char(2), char(3), char(4)}));
  EXPECT_CAJAL_ERROR(read_idx(p), p.c_str(), "2 unexpected bytes after the data at byte 10");
  write_gzip(p, idx_bytes(0x08, {2}, Bytes{char(1), char(2), char(3)}));
  EXPECT_CAJAL_ERROR(read_idx(p), p.c_str(), "1 unexpected bytes after the data at byte 10");
  // Empty dims are fine: zero elements.
  write_bytes(p, idx_bytes(0x08, {0, 28}, ""));
  EXPECT_EQ(read_idx(p).shape(), (Shape{0, 28}));
}

TEST(ReadIdx, DamagedGzipStreams) {
  TempDir dir;
  const std::string good = dir.file("good.gz"), cut = dir.file("cut.gz"), flipped = dir.file("flipped.gz");
  Bytes data;
  for (int i = 0; i < 5000; ++i) data += char((i * 7919) % 251);
  write_gzip(good, idx_bytes(0x08, {5000}, data));
  const Bytes z = read_bytes(good);
  // Cut inside the compressed data: fewer bytes come out.
  write_bytes(cut, z.substr(0, z.size() / 2));
  EXPECT_CAJAL_ERROR(read_idx(cut), cut.c_str(), "truncated at byte");
  // Cut inside the 8-byte trailer (CRC32 + length): all data arrives, the stream is still incomplete.
  write_bytes(cut, z.substr(0, z.size() - 3));
  EXPECT_CAJAL_ERROR(read_idx(cut), cut.c_str(), "truncated gzip stream");
  // A flipped byte in the middle: zlib's CRC or the deflate decoder notices.
  Bytes bad = z;
  bad[bad.size() / 2] = char(bad[bad.size() / 2] ^ 0x55);
  write_bytes(flipped, bad);
  EXPECT_CAJAL_ERROR(read_idx(flipped), flipped.c_str());
}

TEST(ReadIdx, MissingFileAndDirectory) {
  TempDir dir;
  EXPECT_CAJAL_ERROR(read_idx(dir.file("nope")), "read_idx: ", "nope not found");
  EXPECT_CAJAL_ERROR(read_idx(dir.path()), "is not a regular file");
}

// read_idx_u8_as_f32: the chunked uint8 -> float32 decode Fashion-MNIST loads with.
TEST(ReadIdxU8AsF32, MatchesReadIdxThenScaleAcrossChunks) {
  TempDir dir;
  // 3 x 200 x 300 = 180000 bytes: three 64 KiB chunks, the last one partial.
  Bytes data;
  for (int i = 0; i < 180000; ++i) data += char((i * 7919) % 256);
  const Bytes file = idx_bytes(0x08, {3, 200, 300}, data);
  write_bytes(dir.file("raw"), file);
  write_gzip(dir.file("packed.gz"), file);
  const float scale = 1.0f / 255.0f;
  for (const char* name : {"raw", "packed.gz"}) {
    SCOPED_TRACE(name);
    const std::vector<uint8_t> bytes = data::read_idx(dir.file(name)).to_vector<uint8_t>();
    Tensor t = data::read_idx_u8_as_f32(dir.file(name), scale);
    EXPECT_EQ(t.dtype(), DType::f32);
    EXPECT_EQ(t.shape(), (Shape{3, 200, 300}));
    const std::vector<float> v = t.to_vector<float>();
    ASSERT_EQ(v.size(), bytes.size());
    size_t mismatches = 0;
    for (size_t i = 0; i < v.size(); ++i) mismatches += v[i] != float(bytes[i]) * scale;  // to_unit_float's formula
    EXPECT_EQ(mismatches, 0u);
    EXPECT_EQ(v[0], 0.0f);
    EXPECT_EQ(v[size_t(std::find(bytes.begin(), bytes.end(), 255) - bytes.begin())], 1.0f);
  }
}

TEST(ReadIdxU8AsF32, TruncationTypeAndTrailingBytesErrors) {
  TempDir dir;
  using data::read_idx_u8_as_f32;
  // The same cut Fashion-MNIST train-images file as ReadIdx.TruncatedDataNamesPathAndOffset.
  const Bytes cut = idx_bytes(0x08, {60000, 28, 28}, Bytes(4080, '\x01'));
  const std::string raw = dir.file("train-images-idx3-ubyte"), gz = dir.file("train-images-idx3-ubyte.gz");
  write_bytes(raw, cut);
  write_gzip(gz, cut);
  const char* expected = "truncated at byte 4096: expected 47040000 bytes of data after the 16-byte header, got 4080";
  EXPECT_CAJAL_ERROR(read_idx_u8_as_f32(raw, 1.0f), "read_idx: ", raw.c_str(), expected);
  EXPECT_CAJAL_ERROR(read_idx_u8_as_f32(gz, 1.0f), "read_idx: ", gz.c_str(), expected);
  // Cut after more than one chunk of a gzip stream: the count spans the chunks.
  write_gzip(gz, idx_bytes(0x08, {180000}, Bytes(100000, '\x02')));
  EXPECT_CAJAL_ERROR(read_idx_u8_as_f32(gz, 1.0f), gz.c_str(),
                     "truncated at byte 100008: expected 180000 bytes of data after the 8-byte header, got 100000");
  // A gzip header claiming more than read_idx reads directly goes through its staged path.
  write_gzip(gz, idx_bytes(0x08, {100, 1000, 1000}, Bytes(10, '\x03')));
  EXPECT_CAJAL_ERROR(read_idx_u8_as_f32(gz, 1.0f), gz.c_str(),
                     "truncated at byte 26: expected 100000000 bytes of data after the 16-byte header, got 10");
  write_bytes(raw, idx_bytes(0x0D, {1}, Bytes(4, '\0')));
  EXPECT_CAJAL_ERROR(read_idx_u8_as_f32(raw, 1.0f), raw.c_str(), "expected uint8 elements (type code 0x08 at byte 2), got float32");
  write_bytes(raw, idx_bytes(0x08, {2}, Bytes{char(1), char(2), char(3)}));
  EXPECT_CAJAL_ERROR(read_idx_u8_as_f32(raw, 1.0f), raw.c_str(), "1 unexpected bytes after the data at byte 10");
  write_bytes(raw, Bytes{char(0), char(1), char(8), char(1)});
  EXPECT_CAJAL_ERROR(read_idx_u8_as_f32(raw, 1.0f), raw.c_str(), "bad magic 0x00 0x01 at byte 0");
}
