// safetensors writer and validating reader (see cajal/io/safetensors.h).
// The reader checks the complete header against the file size before it allocates a tensor, so a
// corrupt header costs nothing and never reaches a read past the end.
#include "cajal/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "cajal/autograd/grad_mode.h"
#include "data/byte_reader.h"
#include "io/atomic_file.h"

namespace cajal::io {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian, like this host");

namespace {

constexpr const char* kSave = "save_safetensors";
constexpr const char* kLoad = "load_safetensors";
constexpr uint64_t kMaxHeaderBytes = uint64_t(100) << 20;  // the reference implementation's limit

struct DTypeName {
  DType dtype;
  const char* name;
};
constexpr DTypeName kDTypes[] = {
    {DType::f32, "F32"}, {DType::f64, "F64"}, {DType::i64, "I64"}, {DType::u8, "U8"}, {DType::b8, "BOOL"}};

const char* safetensors_dtype(DType d) {
  for (const auto& e : kDTypes)
    if (e.dtype == d) return e.name;
  return "?";
}

// Byte offset (in the file) of the header key `name`, for messages; the header start if not found.
uint64_t key_offset(const std::string& header, const std::string& name) {
  const std::string quoted = nlohmann::json(name).dump();
  for (size_t at = header.find(quoted); at != std::string::npos; at = header.find(quoted, at + 1)) {
    size_t p = at + quoted.size();
    while (p < header.size() && (header[p] == ' ' || header[p] == '\n' || header[p] == '\t' || header[p] == '\r')) ++p;
    if (p < header.size() && header[p] == ':') return 8 + at;
  }
  return 8;
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;  // within the data section
  uint64_t key_at;      // file offset of the name in the header
};

bool as_u64(const nlohmann::json& j, uint64_t& v) {
  if (j.is_number_unsigned()) {
    v = j.get<uint64_t>();
    return true;
  }
  if (j.is_number_integer() && j.get<int64_t>() >= 0) {
    v = uint64_t(j.get<int64_t>());
    return true;
  }
  return false;
}

Entry parse_entry(const detail::ByteReader& r, const std::string& name, const nlohmann::json& j, uint64_t at) {
  auto bad = [&](const std::string& what) {
    return Error(ErrorKind::IO, r.op(), fmt::format("{}: tensor '{}' at byte {}: {}", r.name(), name, at, what));
  };
  if (!j.is_object()) throw bad(fmt::format("expected an object, got {}", j.dump()));
  for (const auto& [k, v] : j.items())
    if (k != "dtype" && k != "shape" && k != "data_offsets") throw bad(fmt::format("unexpected field '{}'", k));
  if (!j.contains("dtype") || !j.contains("shape") || !j.contains("data_offsets"))
    throw bad("expected the fields dtype, shape and data_offsets");
  Entry e{name, DType::f32, {}, 0, 0, at};
  const auto& dt = j["dtype"];
  const DTypeName* found = nullptr;
  for (const auto& d : kDTypes)
    if (dt.is_string() && dt.get<std::string>() == d.name) found = &d;
  if (!found) throw bad(fmt::format("unsupported dtype {} (cajal reads F32, F64, I64, U8 and BOOL)", dt.dump()));
  e.dtype = found->dtype;

  const auto& shape = j["shape"];
  if (!shape.is_array()) throw bad(fmt::format("expected shape as a list of sizes, got {}", shape.dump()));
  // NB: the product of the non-zero sizes is bounded too: an empty [0, 2^40, 2^40] would overflow its strides.
  uint64_t bytes = dtype_size(e.dtype), span = bytes;
  for (const auto& s : shape) {
    uint64_t size = 0;
    if (!as_u64(s, size) || size > uint64_t(INT64_MAX)) throw bad(fmt::format("invalid shape {}", shape.dump()));
    if (__builtin_mul_overflow(span, std::max<uint64_t>(size, 1), &span) || span > uint64_t(INT64_MAX))
      throw bad(fmt::format("shape {} is absurdly large", shape.dump()));
    bytes *= size;
    e.shape.push_back(int64_t(size));
  }
  const auto& offsets = j["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !as_u64(offsets[0], e.begin) || !as_u64(offsets[1], e.end) ||
      e.begin > e.end)
    throw bad(fmt::format("expected data_offsets [begin, end] with begin <= end, got {}", offsets.dump()));
  if (e.end - e.begin != bytes)
    throw bad(fmt::format("shape {} of {} needs {} bytes but data_offsets {} span {}", shape_str(e.shape), found->name, bytes,
                    offsets.dump(), e.end - e.begin));
  return e;
}

}  // namespace

void save_safetensors(const std::string& path, const StateDict& tensors, const Metadata& metadata) {
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    CAJAL_CHECK(!name.empty() && name != "__metadata__", kSave, "invalid tensor name '{}'", name);
    CAJAL_CHECK(names.insert(name).second, kSave, "tensor name '{}' appears twice", name);
    CAJAL_CHECK(t.defined(), kSave, "tensor '{}' is undefined", name);
  }
  NoGradGuard no_grad;
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> data;
  data.reserve(tensors.size());
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    data.push_back(t.detach().contiguous());
    const uint64_t bytes = uint64_t(t.numel()) * t.element_size();
    header[name] = {{"dtype", safetensors_dtype(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // tensors start 8-byte aligned
  const uint64_t n = text.size();

  detail::AtomicFile file(path, kSave);
  file.write(&n, 8);
  file.write(text);
  for (const Tensor& t : data) file.write(t.raw_data(), size_t(t.numel()) * t.element_size());
  file.commit();
}

SafetensorsFile load_safetensors(const std::string& path) {
  auto reader = detail::open_file(path, kLoad);
  detail::ByteReader& r = *reader;
  if (r.is_gzip()) r.fail("is gzip-compressed; safetensors files are stored uncompressed");
  const uint64_t file_size = *r.size();
  uint64_t n = 0;
  r.read_exact(&n, 8, "header length");
  if (n > file_size - 8)
    r.fail("header length {} (bytes 0-7) exceeds the {} bytes that follow it (truncated or not a safetensors file)",
           n, file_size - 8);
  if (n > kMaxHeaderBytes) r.fail("header length {} (bytes 0-7) exceeds the {}-byte limit", n, kMaxHeaderBytes);
  std::string text(static_cast<size_t>(n), '\0');
  r.read_exact(text.data(), text.size(), "JSON header");

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const std::string w = e.what();
    const size_t detail_at = w.find(": ", w.find("column"));
    r.fail("invalid JSON header at byte {}: {}", 8 + (e.byte > 0 ? e.byte - 1 : 0),
           detail_at == std::string::npos ? w : w.substr(detail_at + 2));
  } catch (const nlohmann::json::exception& e) {  // valid syntax, unreadable value: a number past double's range
    r.fail("invalid JSON header (bytes 8-{}): {}", 8 + n - 1, e.what());
  }
  if (!header.is_object()) r.fail("the JSON header at byte 8 is not an object");

  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    const uint64_t at = key_offset(text, name);
    if (name == "__metadata__") {
      if (!value.is_object()) r.fail("__metadata__ at byte {}: expected an object of strings, got {}", at, value.dump());
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) r.fail("__metadata__ at byte {}: value of '{}' is {}, expected a string", at, k, v.dump());
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(r, name, value, at));
  }

  // The data section must be covered exactly once, without holes, by the tensors in offset order.
  const uint64_t data_start = 8 + n, data_size = file_size - data_start;
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t covered = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.begin < covered)
      r.fail("tensor '{}' at byte {}: data_offsets [{}, {}] overlap tensor '{}' [{}, {}]", e.name, e.key_at, e.begin,
             e.end, entries[i - 1].name, entries[i - 1].begin, entries[i - 1].end);
    if (e.begin > covered)
      r.fail("data bytes [{}, {}) (file bytes {}-{}) belong to no tensor (before tensor '{}')", covered, e.begin,
             data_start + covered, data_start + e.begin - 1, e.name);
    if (e.end > data_size)
      r.fail("truncated at byte {}: tensor '{}' (header byte {}) needs data bytes [{}, {}), i.e. file bytes up to {}",
             file_size, e.name, e.key_at, e.begin, e.end, data_start + e.end);
    covered = e.end;
  }
  if (covered < data_size)
    r.fail("{} unexpected bytes after the last tensor at byte {}", data_size - covered, data_start + covered);

  for (const Entry& e : entries) {
    Tensor t = make_tensor(e.shape, e.dtype);
    r.read_exact(t.raw_data(), size_t(e.end - e.begin), fmt::format("data of tensor '{}'", e.name));
    if (e.dtype == DType::b8) {
      const uint8_t* p = static_cast<const uint8_t*>(t.raw_data());
      for (int64_t i = 0; i < t.numel(); ++i)
        if (p[i] > 1) r.fail("tensor '{}': bool value {} at byte {} (expected 0 or 1)", e.name, int(p[i]), data_start + e.begin + uint64_t(i));
    }
    out.tensors.emplace_back(e.name, std::move(t));
    out.file_offsets.push_back(data_start + e.begin);
  }
  return out;
}

}  // namespace cajal::io
