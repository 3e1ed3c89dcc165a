// Robustness of every file reader: valid IDX (raw and gzip), .npy, .npz, safetensors and
// checkpoint files cut at every byte offset, and with random bytes flipped. Each attempt must
// either load or throw cajal::Error — never crash, hang or throw anything else. (Run under
// CAJAL_SANITIZE=ON to also catch silent out-of-bounds reads.)
#include <functional>

#include "cajal/data/idx.h"
#include "cajal/io/checkpoint.h"
#include "cajal/io/npy.h"
#include "cajal/io/safetensors.h"
#include "data_io_test_util.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::test;

namespace {

struct FuzzStats {
  int loaded = 0, rejected = 0;
};

// Loads `bytes` written to `path`; anything but success or cajal::Error fails the test.
void attempt(const std::string& path, const Bytes& bytes, const std::function<void(const std::string&)>& load,
             FuzzStats& stats, const std::string& what) {
  write_bytes(path, bytes);
  try {
    load(path);
    stats.loaded++;
  } catch (const Error& e) {
    stats.rejected++;
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << what << ": message lacks the path: " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": threw a non-cajal exception: " << e.what();
  }
}

// Every truncation (or every `stride`-th for big files) and `flips` random single-byte changes in
// the first `header` bytes plus `flips` anywhere.
FuzzStats fuzz(const TempDir& dir, const std::string& name, const Bytes& valid,
               const std::function<void(const std::string&)>& load, size_t header, int flips = 300, size_t stride = 1) {
  FuzzStats stats;
  const std::string path = dir.file(name);
  attempt(path, valid, load, stats, "the valid file");
  EXPECT_EQ(stats.loaded, 1) << name << ": the valid file must load";
  for (size_t cut = 0; cut < valid.size(); cut += stride)
    attempt(path, valid.substr(0, cut), load, stats, name + " cut at " + std::to_string(cut));
  Generator gen(1234);
  for (int i = 0; i < 2 * flips; ++i) {
    Bytes b = valid;
    const size_t range = i < flips ? std::min(header, b.size()) : b.size();
    const size_t at = size_t(gen.next_u64() % range);
    b[at] = char(uint8_t(b[at]) ^ uint8_t(1 + gen.next_u64() % 255));
    attempt(path, b, load, stats, name + " byte " + std::to_string(at) + " flipped");
  }
  return stats;
}

}  // namespace

TEST(ReaderFuzz, Idx) {
  TempDir dir;
  Bytes data;
  for (int i = 0; i < 3 * 5 * 4; ++i) data += char(i);
  const Bytes raw = idx_bytes(0x08, {3, 5, 4}, data);
  FuzzStats s = fuzz(dir, "a-idx3-ubyte", raw, [](const std::string& p) { data::read_idx(p); }, 16);
  EXPECT_GT(s.rejected, int(raw.size()));  // every cut is rejected
  Bytes f32;
  for (int i = 0; i < 6; ++i) put_be32(f32, 0x3F800000u + uint32_t(i));
  fuzz(dir, "b-idx", idx_bytes(0x0D, {2, 3}, f32), [](const std::string& p) { data::read_idx(p); }, 12);
  // gzip: the compressed stream itself is damaged.
  write_gzip(dir.file("tmp.gz"), raw);
  const Bytes gz = read_bytes(dir.file("tmp.gz"));
  s = fuzz(dir, "c-idx.gz", gz, [](const std::string& p) { data::read_idx(p); }, gz.size());
  EXPECT_GT(s.rejected, int(gz.size()));
}

TEST(ReaderFuzz, Npy) {
  TempDir dir;
  io::save_npy(dir.file("v.npy"), arange(12.0, DType::f64).reshape({3, 4}));
  const Bytes valid = read_bytes(dir.file("v.npy"));
  FuzzStats s = fuzz(dir, "f.npy", valid, [](const std::string& p) { io::load_npy(p); }, 64);
  EXPECT_GE(s.rejected, int(valid.size()));
}

TEST(ReaderFuzz, Npz) {
  TempDir dir;
  StateDict arrays{{"a", tensor({1, 2, 3})}, {"b", from_vector(std::vector<int64_t>{4, 5}, {2})}};
  io::save_npz(dir.file("v.npz"), arrays);
  const Bytes valid = read_bytes(dir.file("v.npz"));
  FuzzStats s = fuzz(dir, "f.npz", valid, [](const std::string& p) { io::load_npz(p); }, valid.size());
  EXPECT_GE(s.rejected, int(valid.size()));
  // DEFLATED entries (as np.savez_compressed writes them).
  io::save_npy(dir.file("x.npy"), arange(40.0, DType::f32));
  io::save_npy(dir.file("y.npy"), eye(3, -1, DType::f64));
  const Bytes compressed = deflated_zip({{"x.npy", read_bytes(dir.file("x.npy"))}, {"y.npy", read_bytes(dir.file("y.npy"))}});
  s = fuzz(dir, "fc.npz", compressed, [](const std::string& p) { io::load_npz(p); }, compressed.size());
  EXPECT_GE(s.rejected, int(compressed.size()));
}

TEST(ReaderFuzz, SafetensorsAndCheckpoint) {
  TempDir dir;
  StateDict sd{{"w", randn({3, 4})}, {"mask", ones({5}, DType::b8)}, {"n", from_vector(std::vector<int64_t>{7}, {1})}};
  io::save_safetensors(dir.file("v.safetensors"), sd, {{"k", "v"}});
  const Bytes valid = read_bytes(dir.file("v.safetensors"));
  uint64_t header = 0;
  std::memcpy(&header, valid.data(), 8);
  FuzzStats s = fuzz(dir, "f.safetensors", valid, [](const std::string& p) { io::load_safetensors(p); }, 8 + header);
  EXPECT_GE(s.rejected, int(valid.size()));

  io::Checkpoint ck;
  ck.model = {{"fc.weight", randn({2, 3})}};
  ck.optimizer.tensors = {{"0.m", zeros({2, 3})}};
  ck.optimizer.meta = {{"step", 1}};
  ck.metadata = {{"model", "mlp"}};
  io::save_checkpoint(dir.file("v.ckpt"), ck);
  const Bytes ckpt = read_bytes(dir.file("v.ckpt"));
  std::memcpy(&header, ckpt.data(), 8);
  fuzz(dir, "f.ckpt", ckpt, [](const std::string& p) { io::load_checkpoint(p); }, 8 + header, 300, 2);
}
