// safetensors: bit-exact round trips, the on-disk layout, atomic writes, and every validation
// error of the loader with its path and byte offset.
#include <bit>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cajal/io/safetensors.h"
#include "data_io_test_util.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::io;
using namespace cajal::test;

namespace {

StateDict sample_state() {
  StateDict sd;
  sd.emplace_back("w", randn({3, 4}, DType::f32));
  sd.emplace_back("b", tensor({0.1, -1e300, 3.0}, DType::f64));
  sd.emplace_back("steps", from_vector(std::vector<int64_t>{INT64_MIN, -1, INT64_MAX}, {3}));
  sd.emplace_back("bytes", from_vector(std::vector<double>{0, 7, 255}, {3}, DType::u8));
  sd.emplace_back("mask", from_vector(std::vector<double>{1, 0, 1, 1}, {2, 2}, DType::b8));
  sd.emplace_back("scalar", scalar_tensor(2.5, DType::f32));
  sd.emplace_back("empty", zeros({0, 5}));
  sd.emplace_back("transposed", arange(6.0, DType::f32).reshape({2, 3}).t());  // a strided view
  return sd;
}

// Safetensors bytes from a header JSON text and a data section.
Bytes safetensors_bytes(const std::string& header, const Bytes& data) {
  uint64_t n = header.size();
  return Bytes(reinterpret_cast<const char*>(&n), 8) + header + data;
}

}  // namespace

TEST(Safetensors, RoundTripIsBitExact) {
  TempDir dir;
  const std::string path = dir.file("state.safetensors");
  StateDict sd = sample_state();
  save_safetensors(path, sd, {{"format", "pt"}, {"note", "ünïcode"}});
  SafetensorsFile f = load_safetensors(path);
  ASSERT_EQ(f.tensors.size(), sd.size());
  for (size_t i = 0; i < sd.size(); ++i) {
    EXPECT_EQ(f.tensors[i].first, sd[i].first);  // order kept
    const Tensor& got = f.tensors[i].second;
    const Tensor want = sd[i].second.contiguous();
    EXPECT_EQ(got.dtype(), want.dtype()) << sd[i].first;
    EXPECT_EQ(got.shape(), want.shape()) << sd[i].first;
    EXPECT_EQ(std::memcmp(got.raw_data(), want.raw_data(), size_t(want.numel()) * want.element_size()), 0) << sd[i].first;
  }
  EXPECT_EQ(f.metadata, (Metadata{{"format", "pt"}, {"note", "ünïcode"}}));
  // No temporary file is left behind.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST(Safetensors, OnDiskLayoutFollowsTheSpec) {
  TempDir dir;
  const std::string path = dir.file("layout.safetensors");
  StateDict sd;
  sd.emplace_back("a", tensor({1.0, 2.0}, DType::f32));
  sd.emplace_back("b", from_vector(std::vector<int64_t>{7}, {1, 1}));
  save_safetensors(path, sd, {{"k", "v"}});
  const Bytes bytes = read_bytes(path);
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);                      // data 8-byte aligned
  EXPECT_EQ(bytes.size(), 8 + n + 8 + 8);    // two floats + one int64
  auto j = nlohmann::json::parse(bytes.substr(8, n));
  EXPECT_EQ(j["__metadata__"]["k"], "v");
  EXPECT_EQ(j["a"]["dtype"], "F32");
  EXPECT_EQ(j["a"]["shape"], nlohmann::json({2}));
  EXPECT_EQ(j["a"]["data_offsets"], nlohmann::json({0, 8}));
  EXPECT_EQ(j["b"]["dtype"], "I64");
  EXPECT_EQ(j["b"]["data_offsets"], nlohmann::json({8, 16}));
  float a1;
  std::memcpy(&a1, bytes.data() + 8 + n + 4, 4);
  EXPECT_EQ(a1, 2.0f);
}

TEST(Safetensors, ReadsAHandWrittenFile) {
  // As written by the reference implementation: keys sorted, no padding, data out of key order.
  TempDir dir;
  const std::string path = dir.file("hand.safetensors");
  const double x = 1.25;
  Bytes data(reinterpret_cast<const char*>(&x), 8);
  data += Bytes{char(1), char(0)};
  write_bytes(path, safetensors_bytes(R"({"m":{"dtype":"BOOL","shape":[2],"data_offsets":[8,10]},)"
                                      R"("x":{"dtype":"F64","shape":[],"data_offsets":[0,8]}})",
                                      data));
  SafetensorsFile f = load_safetensors(path);
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors[0].first, "x");  // file (offset) order
  EXPECT_EQ(f.tensors[0].second.item(), 1.25);
  EXPECT_EQ(f.tensors[1].second.dtype(), DType::b8);
  EXPECT_EQ(f.tensors[1].second.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(f.file_offsets[1], 8 + 108 + 8u);
}

TEST(Safetensors, ValidationErrorsNamePathAndOffset) {
  TempDir dir;
  const std::string p = dir.file("bad.safetensors");
  const char* P = p.c_str();
  auto expect_error = [&](const Bytes& file, std::initializer_list<const char*> fragments) {
    write_bytes(p, file);
    try {
      load_safetensors(p);
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::IO);
      for (const char* f : fragments)
        EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what() << "\n  lacks: " << f;
    }
  };
  const Bytes four(4, '\0');
  expect_error("abc", {P, "truncated at byte 3: expected 8 bytes of header length, got 3"});
  write_bytes(p, safetensors_bytes("{}", ""));
  EXPECT_TRUE(load_safetensors(p).tensors.empty());  // "{}" is a valid file without tensors
  {
    uint64_t n = 1000;
    expect_error(Bytes(reinterpret_cast<const char*>(&n), 8) + "{}", {P, "header length 1000 (bytes 0-7) exceeds the 2 bytes"});
  }
  expect_error(safetensors_bytes(R"({"a": {"dtype": "F32",, }})", ""), {P, "invalid JSON header at byte 30"});
  expect_error(safetensors_bytes("[1, 2]", ""), {P, "not an object"});
  // Valid JSON syntax whose number overflows a double (the fuzzer's input that escaped as
  // nlohmann's out_of_range, fuzz/corpus/fuzz_safetensors/crash-number-overflow-in-header).
  expect_error(safetensors_bytes(R"({"a": 1e44444})", ""), {P, "invalid JSON header (bytes 8-", "number overflow"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", four),
               {P, "tensor 'a' at byte 9: unsupported dtype \"F16\""});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", four),
               {P, "tensor 'a' at byte 9: shape [2] of F32 needs 8 bytes but data_offsets [0,4] span 4"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", four), {"invalid shape [-1]"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", four), {"invalid shape [1.5]"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}})", four),
               {"absurdly large"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"U8","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}})", ""),
               {"absurdly large"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", four), {"begin <= end"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})", four), {"unexpected field 'x'"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1]}})", four), {"expected the fields dtype, shape and data_offsets"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})", four),
               {P, "tensor 'b' at byte", "data_offsets [2, 4] overlap tensor 'a' [0, 3]"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})", four),
               {P, "data bytes [0, 2) (file bytes"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", four),
               {P, "truncated at byte 66: tensor 'a' (header byte 9) needs data bytes [0, 8)"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", four),
               {P, "2 unexpected bytes after the last tensor at byte"});
  expect_error(safetensors_bytes(R"({"a":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}})", Bytes{0, 1, 2, 0}),
               {P, "tensor 'a': bool value 2 at byte"});
  expect_error(safetensors_bytes(R"({"__metadata__":{"k":1}})", ""), {"value of 'k' is 1, expected a string"});
  EXPECT_CAJAL_ERROR(load_safetensors(dir.file("absent")), "load_safetensors: ", "absent not found");
}

TEST(Safetensors, SaveArgumentChecks) {
  TempDir dir;
  StateDict dup{{"a", zeros({1})}, {"a", zeros({1})}};
  EXPECT_CAJAL_ERROR(save_safetensors(dir.file("x"), dup), "save_safetensors", "tensor name 'a' appears twice");
  StateDict reserved{{"__metadata__", zeros({1})}};
  EXPECT_CAJAL_ERROR(save_safetensors(dir.file("x"), reserved), "invalid tensor name '__metadata__'");
  StateDict undefined{{"u", Tensor()}};
  EXPECT_CAJAL_ERROR(save_safetensors(dir.file("x"), undefined), "tensor 'u' is undefined");
  EXPECT_FALSE(std::filesystem::exists(dir.file("x")));
}

TEST(Safetensors, FailedWriteLeavesTheOldFileUntouched) {
  TempDir dir;
  const std::string path = dir.file("ckpt.safetensors");
  StateDict v1{{"w", tensor({1, 2, 3})}};
  save_safetensors(path, v1);
  const Bytes before = read_bytes(path);
  // The temporary file cannot be created (a directory sits at its name): the write fails cleanly.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::filesystem::create_directory(tmp);
  StateDict v2{{"w", tensor({4, 5, 6, 7})}};
  EXPECT_CAJAL_ERROR(save_safetensors(path, v2), "save_safetensors", path.c_str(), "the previous file, if any, is unchanged");
  EXPECT_EQ(read_bytes(path), before);
  std::filesystem::remove(tmp);
  // An unwritable directory (root ignores permissions, so only checked as a normal user).
  if (::geteuid() != 0) {
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    EXPECT_CAJAL_ERROR(save_safetensors(path, v2), "cannot write", "Permission denied");
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
    EXPECT_EQ(read_bytes(path), before);
  }
  // A successful write replaces it.
  save_safetensors(path, v2);
  EXPECT_EQ(load_safetensors(path).tensors[0].second.numel(), 4);
}
