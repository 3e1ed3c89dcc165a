// Checkpoints: a bit-exact round trip of model, optimizer, counters, generator state and metadata;
// in-place loading with the strong guarantee; corrupt files fail with path and offset.
#include <bit>

#include "cajal/io/checkpoint.h"
#include "cajal/io/safetensors.h"
#include "cajal/version.h"
#include "data_io_test_util.h"
#include "support/test_support.h"

using namespace cajal;
using namespace cajal::io;
using namespace cajal::test;

namespace {

Checkpoint sample_checkpoint() {
  Checkpoint ck;
  Generator g(42);
  ck.model = {{"fc1.weight", randn({4, 3}, DType::f32, &g)},
              {"fc1.bias", randn({4}, DType::f32, &g)},
              {"bn.num_batches", from_vector(std::vector<int64_t>{17}, {})}};
  ck.optimizer.tensors = {{"0.exp_avg", randn({4, 3}, DType::f32, &g)}, {"0.exp_avg_sq", rand({4, 3}, DType::f32, &g)}};
  ck.optimizer.meta = {{"name", "Adam"}, {"step", 123}, {"lr", 1e-3}};
  ck.epoch = 3;
  ck.step = 57;
  g.next_normal();  // leaves a cached second normal in the state
  ck.rng = g.state();
  ck.metadata = {{"model", "mlp"}, {"model_config", {{"hidden", {256, 128}}}}, {"val_loss", NAN}};
  return ck;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(), size_t(a.numel()) * a.element_size()) == 0;
}

void expect_same_state(const StateDict& a, const StateDict& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(same_bits(a[i].second, b[i].second)) << a[i].first;
  }
}

}  // namespace

TEST(Checkpoint, RoundTripIsBitExact) {
  TempDir dir;
  const std::string path = dir.file("checkpoint.safetensors");
  Checkpoint ck = sample_checkpoint();
  save_checkpoint(path, ck);
  Checkpoint back = load_checkpoint(path);
  expect_same_state(back.model, ck.model);
  expect_same_state(back.optimizer.tensors, ck.optimizer.tensors);
  EXPECT_EQ(back.optimizer.meta, ck.optimizer.meta);
  EXPECT_EQ(back.epoch, 3);
  EXPECT_EQ(back.step, 57);
  EXPECT_EQ(back.metadata["model"], "mlp");
  EXPECT_EQ(back.metadata["model_config"]["hidden"][1], 128);
  EXPECT_TRUE(back.metadata["val_loss"].is_null());  // NaN is not JSON: it comes back as null
  EXPECT_EQ(back.rng.s, ck.rng.s);
  EXPECT_EQ(back.rng.seed, 42u);
  EXPECT_EQ(back.rng.has_cached_normal, true);
  EXPECT_EQ(std::bit_cast<uint64_t>(back.rng.cached_normal), std::bit_cast<uint64_t>(ck.rng.cached_normal));
  // The restored generator continues the stream exactly.
  Generator a, b;
  a.set_state(ck.rng);
  b.set_state(back.rng);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(std::bit_cast<uint64_t>(a.next_normal()), std::bit_cast<uint64_t>(b.next_normal()));
  // The file is plain safetensors with the documented names.
  SafetensorsFile raw = load_safetensors(path);
  EXPECT_EQ(raw.tensors[0].first, "model.fc1.weight");
  EXPECT_EQ(raw.tensors[3].first, "optim.0.exp_avg");
  EXPECT_EQ(raw.tensors.back().first, "rng.state");
  EXPECT_EQ(raw.metadata.at("cajal.format"), "checkpoint-1");
  EXPECT_EQ(raw.metadata.at("cajal.epoch"), "3");
  EXPECT_EQ(raw.metadata.at("cajal.version"), CAJAL_VERSION_STRING);
}

TEST(Checkpoint, ANewerFormatNamesTheVersionThatWroteIt) {
  TempDir dir;
  const std::string path = dir.file("future.safetensors");
  StateDict sd{{"rng.state", zeros({5}, DType::i64)}};
  save_safetensors(path, sd, {{"cajal.format", "checkpoint-12"}, {"cajal.version", "9.4.0"}});
  EXPECT_CAJAL_ERROR(load_checkpoint(path), path.c_str(), "'checkpoint-12' was written by cajal 9.4.0, newer than this cajal",
                     "which reads 'checkpoint-1'");
  save_safetensors(path, sd, {{"cajal.format", "checkpoint-x"}});
  EXPECT_CAJAL_ERROR(load_checkpoint(path), path.c_str(), "unsupported checkpoint format 'checkpoint-x'");
}

TEST(Checkpoint, LoadIntoUpdatesTensorsInPlace) {
  TempDir dir;
  const std::string path = dir.file("c.safetensors");
  Checkpoint saved = sample_checkpoint();
  save_checkpoint(path, saved);
  // A "model" whose state_dict aliases its parameters.
  Tensor w = zeros({4, 3}), bias = zeros({4});
  w.requires_grad_();
  Checkpoint target;
  target.model = {{"fc1.weight", w}, {"fc1.bias", bias}, {"bn.num_batches", zeros({}, DType::i64)}};
  load_checkpoint(path, target);
  EXPECT_TRUE(same_bits(w, saved.model[0].second));  // the parameter itself now holds the values
  EXPECT_TRUE(same_bits(bias, saved.model[1].second));
  EXPECT_TRUE(target.model[0].second.is_same(w));
  EXPECT_EQ(target.epoch, 3);
  EXPECT_EQ(target.optimizer.meta["step"], 123);
}

TEST(Checkpoint, MismatchesAndCorruptionLeaveTheTargetUntouched) {
  TempDir dir;
  const std::string path = dir.file("c.safetensors");
  save_checkpoint(path, sample_checkpoint());
  const SafetensorsFile raw = load_safetensors(path);
  const std::string weight_at = "at byte " + std::to_string(raw.file_offsets[0]);

  Tensor w = zeros({4, 2});  // wrong shape
  Checkpoint target;
  target.model = {{"fc1.weight", w}, {"fc1.bias", zeros({4})}, {"bn.num_batches", zeros({}, DType::i64)}};
  target.epoch = 99;
  EXPECT_CAJAL_ERROR(load_checkpoint(path, target), "load_checkpoint", path.c_str(), "tensor 'model.fc1.weight'",
                     weight_at.c_str(), "is float32 [4, 3], the model expects float32 [4, 2]");
  EXPECT_EQ(target.epoch, 99);
  EXPECT_EQ(w.to_vector<float>(), std::vector<float>(8, 0.0f));

  Checkpoint missing;
  missing.model = {{"fc1.weight", zeros({4, 3})}, {"fc2.weight", zeros({1})}};
  EXPECT_CAJAL_ERROR(load_checkpoint(path, missing), "lacks tensor 'model.fc2.weight' that the model has");
  EXPECT_EQ(missing.model[0].second.to_vector<float>(), std::vector<float>(12, 0.0f));  // nothing copied
  Checkpoint fewer;
  fewer.model = {{"fc1.weight", zeros({4, 3})}, {"fc1.bias", zeros({4})}};
  EXPECT_CAJAL_ERROR(load_checkpoint(path, fewer), "unexpected tensor 'model.bn.num_batches' at byte");
  EXPECT_EQ(fewer.model[0].second.to_vector<float>(), std::vector<float>(12, 0.0f));

  // Corrupt files: a wrong header length, truncated data.
  const Bytes good = read_bytes(path);
  const std::string bad = dir.file("bad.safetensors");
  Bytes wrong_header = good;
  wrong_header[0] = char(wrong_header[0] + 1);
  write_bytes(bad, wrong_header);
  Checkpoint untouched = sample_checkpoint();
  const Tensor before = untouched.model[0].second.clone();
  EXPECT_CAJAL_ERROR(load_checkpoint(bad, untouched), "load_safetensors", bad.c_str(), "at byte");
  write_bytes(bad, good.substr(0, good.size() - 10));
  EXPECT_CAJAL_ERROR(load_checkpoint(bad, untouched), bad.c_str(), "truncated at byte");
  EXPECT_TRUE(same_bits(untouched.model[0].second, before));
  EXPECT_EQ(untouched.epoch, 3);
}

TEST(Checkpoint, ForeignSafetensorsIsRejected) {
  TempDir dir;
  const std::string path = dir.file("plain.safetensors");
  StateDict sd{{"w", zeros({2})}};
  save_safetensors(path, sd);
  EXPECT_CAJAL_ERROR(load_checkpoint(path), "load_checkpoint", path.c_str(), "not a cajal checkpoint");
  save_safetensors(path, sd, {{"cajal.format", "checkpoint-1"}, {"cajal.epoch", "x"}});
  EXPECT_CAJAL_ERROR(load_checkpoint(path), "'cajal.epoch' is 'x', expected a non-negative integer");
  save_safetensors(path, sd,
                   {{"cajal.format", "checkpoint-1"}, {"cajal.epoch", "1"}, {"cajal.step", "0"}, {"cajal.optim", "{"},
                    {"cajal.metadata", "{}"}});
  EXPECT_CAJAL_ERROR(load_checkpoint(path), "'cajal.optim' is not valid JSON");
  save_safetensors(path, sd,
                   {{"cajal.format", "checkpoint-1"}, {"cajal.epoch", "1"}, {"cajal.step", "0"}, {"cajal.optim", "{}"},
                    {"cajal.metadata", "{}"}});
  EXPECT_CAJAL_ERROR(load_checkpoint(path), "unexpected tensor 'w' at byte");
}
