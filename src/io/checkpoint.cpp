// Checkpoint <-> one safetensors file (see cajal/io/checkpoint.h for the mapping).
// The generator state is stored bit-exactly as 7 int64 words: s[0..3], seed, the bits of the
// cached normal (a double), and the has-cached flag.
#include "cajal/io/checkpoint.h"

#include <bit>
#include <charconv>
#include <map>

#include "cajal/autograd/grad_mode.h"
#include "cajal/io/safetensors.h"
#include "cajal/ops/ops.h"
#include "cajal/version.h"

namespace cajal::io {

namespace {

constexpr const char* kSave = "save_checkpoint";
constexpr const char* kLoad = "load_checkpoint";
constexpr const char* kFormat = "checkpoint-1";
constexpr int kFormatRevision = 1;  // the number in kFormat
constexpr const char* kModelPrefix = "model.";
constexpr const char* kOptimPrefix = "optim.";
constexpr const char* kRngName = "rng.state";
constexpr int64_t kRngWords = 7;

Tensor rng_to_tensor(const Generator::State& s) {
  Tensor t = make_tensor({kRngWords}, DType::i64);
  int64_t* p = t.data_ptr<int64_t>();
  for (int i = 0; i < 4; ++i) p[i] = std::bit_cast<int64_t>(s.s[size_t(i)]);
  p[4] = std::bit_cast<int64_t>(s.seed);
  p[5] = std::bit_cast<int64_t>(s.cached_normal);
  p[6] = s.has_cached_normal ? 1 : 0;
  return t;
}

Generator::State rng_from_tensor(const Tensor& t) {
  const int64_t* p = t.data_ptr<int64_t>();
  Generator::State s{};
  for (int i = 0; i < 4; ++i) s.s[size_t(i)] = std::bit_cast<uint64_t>(p[i]);
  s.seed = std::bit_cast<uint64_t>(p[4]);
  s.cached_normal = std::bit_cast<double>(p[5]);
  s.has_cached_normal = p[6] != 0;
  return s;
}

// A checkpoint as read, with the file offset of each tensor for error messages.
struct LoadedCheckpoint {
  Checkpoint checkpoint;
  std::map<std::string, uint64_t> offsets;  // full tensor name -> file offset of its data
};

template <class... Args>
[[noreturn]] void fail(const std::string& path, fmt::format_string<Args...> f, Args&&... args) {
  throw Error(ErrorKind::IO, kLoad, path + ": " + fmt::format(f, std::forward<Args>(args)...));
}

const std::string& metadata_entry(const std::string& path, const Metadata& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end()) fail(path, "__metadata__ lacks '{}' (written by an older or foreign program?)", key);
  return it->second;
}

int64_t metadata_int(const std::string& path, const Metadata& m, const std::string& key) {
  const std::string& s = metadata_entry(path, m, key);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0)
    fail(path, "__metadata__ '{}' is '{}', expected a non-negative integer", key, s);
  return v;
}

nlohmann::json metadata_json(const std::string& path, const Metadata& m, const std::string& key) {
  const std::string& s = metadata_entry(path, m, key);
  try {
    return nlohmann::json::parse(s);
  } catch (const nlohmann::json::parse_error& e) {
    fail(path, "__metadata__ '{}' is not valid JSON (at byte {} of the value)", key, e.byte > 0 ? e.byte - 1 : 0);
  } catch (const nlohmann::json::exception& e) {  // valid syntax, unreadable value: a number past double's range
    fail(path, "__metadata__ '{}' is not readable JSON: {}", key, e.what());
  }
}

LoadedCheckpoint read_checkpoint(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  const Metadata& m = file.metadata;
  auto format = m.find("cajal.format");
  if (format == m.end()) fail(path, "not a cajal checkpoint (its __metadata__ has no 'cajal.format')");
  if (format->second != kFormat) {
    // "checkpoint-N" with N above ours was written by a newer cajal: say which, not just "unsupported".
    const auto written_by = m.find("cajal.version");
    const std::string& f = format->second;
    int revision = 0;
    const bool numbered = f.starts_with("checkpoint-") &&
                          std::from_chars(f.data() + 11, f.data() + f.size(), revision).ec == std::errc();
    if (numbered && revision > kFormatRevision && written_by != m.end())
      fail(path, "checkpoint format '{}' was written by cajal {}, newer than this cajal {}, which reads '{}'",
           format->second, written_by->second, kVersion, kFormat);
    fail(path, "unsupported checkpoint format '{}' (this cajal {} reads '{}')", format->second, kVersion, kFormat);
  }

  LoadedCheckpoint out;
  Checkpoint& ck = out.checkpoint;
  ck.epoch = metadata_int(path, m, "cajal.epoch");
  ck.step = metadata_int(path, m, "cajal.step");
  ck.optimizer.meta = metadata_json(path, m, "cajal.optim");
  ck.metadata = metadata_json(path, m, "cajal.metadata");
  bool have_rng = false;
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    auto& [name, t] = file.tensors[i];
    const uint64_t at = file.file_offsets[i];
    out.offsets[name] = at;
    if (name.starts_with(kModelPrefix)) {
      ck.model.emplace_back(name.substr(std::string_view(kModelPrefix).size()), t);
    } else if (name.starts_with(kOptimPrefix)) {
      ck.optimizer.tensors.emplace_back(name.substr(std::string_view(kOptimPrefix).size()), t);
    } else if (name == kRngName) {
      if (t.dtype() != DType::i64 || t.shape() != Shape{kRngWords})
        fail(path, "tensor '{}' at byte {} is {} {}, expected int64 [{}]", name, at, dtype_name(t.dtype()),
             shape_str(t.shape()), kRngWords);
      ck.rng = rng_from_tensor(t);
      have_rng = true;
    } else {
      fail(path, "unexpected tensor '{}' at byte {} (checkpoint tensors are model.*, optim.* and {})", name, at,
           kRngName);
    }
  }
  if (!have_rng) fail(path, "the checkpoint has no '{}' tensor", kRngName);
  return out;
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& ck) {
  CAJAL_CHECK(ck.epoch >= 0 && ck.step >= 0, kSave, "expected epoch and step >= 0, got {} and {}", ck.epoch, ck.step);
  StateDict tensors;
  tensors.reserve(ck.model.size() + ck.optimizer.tensors.size() + 1);
  for (const auto& [name, t] : ck.model) tensors.emplace_back(kModelPrefix + name, t);
  for (const auto& [name, t] : ck.optimizer.tensors) tensors.emplace_back(kOptimPrefix + name, t);
  tensors.emplace_back(kRngName, rng_to_tensor(ck.rng));
  // NB: NaN/Inf are not JSON; nlohmann writes them as null (metrics such as a missing val_loss).
  Metadata meta = {{"cajal.format", kFormat},
                   {"cajal.version", kVersion},
                   {"cajal.epoch", std::to_string(ck.epoch)},
                   {"cajal.step", std::to_string(ck.step)},
                   {"cajal.optim", ck.optimizer.meta.dump()},
                   {"cajal.metadata", ck.metadata.dump()}};
  save_safetensors(path, tensors, meta);
}

Checkpoint load_checkpoint(const std::string& path) { return read_checkpoint(path).checkpoint; }

void load_checkpoint(const std::string& path, Checkpoint& target) {
  LoadedCheckpoint loaded = read_checkpoint(path);
  Checkpoint& ck = loaded.checkpoint;
  if (!target.model.empty()) {
    std::map<std::string, const Tensor*> by_name;
    for (const auto& [name, t] : ck.model) by_name[name] = &t;
    for (const auto& [name, want] : target.model) {
      auto it = by_name.find(name);
      if (it == by_name.end()) fail(path, "the checkpoint lacks tensor '{}{}' that the model has", kModelPrefix, name);
      const Tensor& got = *it->second;
      if (got.shape() != want.shape() || got.dtype() != want.dtype())
        fail(path, "tensor '{}{}' at byte {} is {} {}, the model expects {} {}", kModelPrefix, name,
             loaded.offsets.at(kModelPrefix + name), dtype_name(got.dtype()), shape_str(got.shape()),
             dtype_name(want.dtype()), shape_str(want.shape()));
      by_name.erase(it);
    }
    if (!by_name.empty()) {
      const std::string& extra = by_name.begin()->first;
      fail(path, "unexpected tensor '{}{}' at byte {}: the model has no such tensor", kModelPrefix, extra,
           loaded.offsets.at(kModelPrefix + extra));
    }
    // Everything is validated: from here nothing throws.
    NoGradGuard no_grad;
    std::map<std::string, const Tensor*> source;
    for (const auto& [name, t] : ck.model) source[name] = &t;
    for (auto& [name, t] : target.model) t.copy_(*source.at(name));
    ck.model = target.model;
  }
  target = std::move(ck);
}

}  // namespace cajal::io
