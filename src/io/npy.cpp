// .npy and .npz (see cajal/io/npy.h). One .npy parser serves both: it reads from a ByteReader,
// which is a file for load_npy and an (inflated) archive entry in memory for load_npz.
// Convention: zip fields are little-endian and read with bounds checks against the archive size;
// every offset in a message is a byte offset in the file (or in the .npy entry for entry errors).
#include "cajal/io/npy.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <set>

#include "cajal/autograd/grad_mode.h"
#include "data/byte_reader.h"
#include "io/atomic_file.h"

namespace cajal::io {

static_assert(std::endian::native == std::endian::little, "npy data is written little-endian, like this host");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

struct NpyType {
  const char* code;  // descr without the byte-order character
  DType dtype;
};
constexpr NpyType kNpyTypes[] = {
    {"f4", DType::f32}, {"f8", DType::f64}, {"i8", DType::i64}, {"u1", DType::u8}, {"b1", DType::b8}};

std::string npy_descr(DType d) {
  for (const auto& t : kNpyTypes)
    if (t.dtype == d) return std::string(dtype_size(d) == 1 ? "|" : "<") + t.code;
  return "?";
}

// The whole .npy prefix (magic, version, header length, padded dict) for a tensor.
std::string npy_prefix(const Tensor& t) {
  // Python's tuple repr: (), (3,), (2, 3)
  const std::string shape = t.dim() == 1 ? fmt::format("({},)", t.size(0)) : fmt::format("({})", fmt::join(t.shape(), ", "));
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", npy_descr(t.dtype()), shape);
  // Pad with spaces and a final newline so the data starts 64-byte aligned (numpy's layout).
  const bool v1 = dict.size() + 1 + kMagicLen + 4 <= 65535;
  const size_t preamble = kMagicLen + 2 + (v1 ? 2 : 4);
  const size_t total = (preamble + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - preamble - dict.size() - 1, ' ');
  dict += '\n';
  std::string out(kMagic, kMagicLen);
  out += char(v1 ? 1 : 2);
  out += char(0);
  const uint32_t len = uint32_t(dict.size());
  out.append(reinterpret_cast<const char*>(&len), v1 ? 2 : 4);
  return out + dict;
}

// A parser for the header's Python dict literal. `base` is the file offset of text[0].
class HeaderParser {
 public:
  HeaderParser(const detail::ByteReader& r, const std::string& text, uint64_t base) : r_(r), s_(text), base_(base) {}

  template <class... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) const {
    r_.fail("bad .npy header at byte {}: {} (header: {})", base_ + i_, fmt::format(f, std::forward<Args>(args)...),
            s_.substr(0, 200));
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool accept(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail("expected '{}'", c);
  }
  std::string string() {
    ws();
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) fail("expected a quoted string");
    const char q = s_[i_++];
    const size_t end = s_.find(q, i_);
    if (end == std::string::npos) fail("unterminated string");
    std::string out = s_.substr(i_, end - i_);
    i_ = end + 1;
    return out;
  }
  bool boolean() {
    ws();
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}})
      if (s_.compare(i_, std::strlen(word), word) == 0) {
        i_ += std::strlen(word);
        return value;
      }
    fail("expected True or False");
  }
  Shape tuple() {
    expect('(');
    Shape shape;
    while (!accept(')')) {
      ws();
      int64_t v = 0;
      size_t start = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
        if (v > (INT64_MAX - 9) / 10) fail("dimension too large");
        v = v * 10 + (s_[i_++] - '0');
      }
      if (i_ == start) fail("expected a dimension size");
      if (i_ < s_.size() && s_[i_] == 'L') ++i_;  // Python 2 long
      shape.push_back(v);
      if (!accept(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }
  void end() {
    ws();
    if (i_ != s_.size()) fail("unexpected text after the dict");
  }

 private:
  const detail::ByteReader& r_;
  const std::string& s_;
  uint64_t base_;
  size_t i_ = 0;
};

Tensor read_npy_from(detail::ByteReader& r) {
  unsigned char pre[kMagicLen + 2];
  r.read_exact(pre, sizeof pre, "magic and version");
  if (std::memcmp(pre, kMagic, kMagicLen) != 0) r.fail("bad magic at byte 0: not a .npy file (expected \\x93NUMPY)");
  const int major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0) r.fail("unsupported .npy version {}.{} at byte 6", major, minor);
  uint32_t len = 0;
  r.read_exact(&len, major == 1 ? 2 : 4, "header length");
  const uint64_t header_at = r.offset();
  if (auto total = r.size(); total && len > *total - header_at)
    r.fail("header length {} at byte 8 exceeds the {} bytes that follow", len, *total - header_at);
  std::string text(len, '\0');
  r.read_exact(text.data(), len, "header");

  HeaderParser p(r, text, header_at);
  std::string descr;
  bool fortran = false, have_descr = false, have_fortran = false, have_shape = false;
  Shape shape;
  p.expect('{');
  while (!p.accept('}')) {
    const std::string key = p.string();
    p.expect(':');
    if (key == "descr") {
      descr = p.string();
      have_descr = true;
    } else if (key == "fortran_order") {
      fortran = p.boolean();
      have_fortran = true;
    } else if (key == "shape") {
      shape = p.tuple();
      have_shape = true;
    } else {
      p.fail("unexpected key '{}'", key);
    }
    if (!p.accept(',')) {
      p.expect('}');
      break;
    }
  }
  p.end();
  if (!have_descr || !have_fortran || !have_shape) p.fail("expected the keys 'descr', 'fortran_order' and 'shape'");

  const NpyType* type = nullptr;
  const char order = descr.empty() ? '?' : descr[0];
  for (const auto& t : kNpyTypes)
    if (descr.size() == 3 && descr.compare(1, 2, t.code) == 0) type = &t;
  const bool single_byte = type && dtype_size(type->dtype) == 1;
  if (!type || !(order == '<' || order == '>' || order == '=' || (order == '|' && single_byte)))
    r.fail("unsupported dtype '{}' in the header at byte {} (cajal reads <f4, <f8, <i8, |u1 and |b1)", descr, header_at);

  // NB: the product of the non-zero sizes is bounded too: an empty [0, 2^40, 2^40] would overflow its strides.
  uint64_t bytes = dtype_size(type->dtype), span = bytes;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(span, std::max<uint64_t>(uint64_t(d), 1), &span) || span > uint64_t(INT64_MAX))
      r.fail("absurd shape {} in the header at byte {}", shape_str(shape), header_at);
    bytes *= uint64_t(d);
  }
  const uint64_t data_at = r.offset();
  if (auto total = r.size(); total && *total - data_at < bytes)
    r.fail("truncated at byte {}: expected {} bytes of data after the {}-byte header, got {}", *total, bytes, data_at,
           *total - data_at);

  // Fortran order: the bytes are the transpose's row-major layout.
  Shape stored = shape;
  if (fortran) std::reverse(stored.begin(), stored.end());
  Tensor t = make_tensor(stored, type->dtype);
  r.read_exact(t.raw_data(), size_t(bytes), fmt::format("data after the {}-byte header", data_at));
  r.expect_end("the data");
  const size_t width = dtype_size(type->dtype);
  if (order == '>' && width > 1) {
    auto* w = static_cast<uint64_t*>(t.raw_data());
    auto* h = static_cast<uint32_t*>(t.raw_data());
    for (int64_t i = 0; i < t.numel(); ++i) {
      if (width == 8) w[i] = __builtin_bswap64(w[i]);
      else h[i] = __builtin_bswap32(h[i]);
    }
  }
  if (type->dtype == DType::b8) {
    const uint8_t* b = static_cast<const uint8_t*>(t.raw_data());
    for (int64_t i = 0; i < t.numel(); ++i)
      if (b[i] > 1) r.fail("bool value {} at byte {} (expected 0 or 1)", int(b[i]), data_at + uint64_t(i));
  }
  if (fortran && t.dim() > 1) {
    Shape reversed(static_cast<size_t>(t.dim()));
    for (int64_t d = 0; d < t.dim(); ++d) reversed[size_t(d)] = t.dim() - 1 - d;
    NoGradGuard no_grad;
    t = t.permute(reversed).contiguous();
  }
  return t;
}

// ---------------------------------------------------------------- zip

template <class T>
T load_le(const std::string& buf, uint64_t at) {
  T v;
  std::memcpy(&v, buf.data() + at, sizeof(T));
  return v;
}

template <class T>
void put_le(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr uint16_t kDosDate1980 = 0x21;  // 1980-01-01: entries carry a fixed date, so output is reproducible

// Bounds-checked view of the archive bytes.
class Archive {
 public:
  Archive(const detail::ByteReader& r, const std::string& bytes) : r_(r), b_(bytes) {}
  void need(uint64_t at, uint64_t n, const char* what) const {
    if (at > b_.size() || n > b_.size() - at)
      r_.fail("truncated zip archive: {} at byte {} needs {} bytes, the file has {}", what, at, n, b_.size());
  }
  template <class T>
  T get(uint64_t at, const char* what) const {
    need(at, sizeof(T), what);
    return load_le<T>(b_, at);
  }
  const std::string& bytes() const { return b_; }
  const detail::ByteReader& reader() const { return r_; }

 private:
  const detail::ByteReader& r_;
  const std::string& b_;
};

struct ZipEntry {
  std::string name;
  uint16_t flags, method;
  uint32_t crc;
  uint64_t compressed, uncompressed, local_header;
  uint64_t central_at;  // for messages
};

std::vector<ZipEntry> read_central_directory(const Archive& a) {
  const std::string& b = a.bytes();
  const detail::ByteReader& r = a.reader();
  if (b.size() < 22) r.fail("not a zip archive: {} bytes is too short for an end-of-central-directory record", b.size());
  uint64_t end_at = UINT64_MAX;
  for (uint64_t i = b.size() - 22 + 1; i-- > 0 && b.size() - i <= 22 + 65535;)
    if (load_le<uint32_t>(b, i) == kEndSig) {
      end_at = i;
      break;
    }
  if (end_at == UINT64_MAX) r.fail("not a zip archive: no end-of-central-directory record");
  uint64_t count = a.get<uint16_t>(end_at + 10, "entry count");
  uint64_t cd_size = a.get<uint32_t>(end_at + 12, "central directory size");
  uint64_t cd_at = a.get<uint32_t>(end_at + 16, "central directory offset");
  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_at == 0xFFFFFFFF) {
    if (end_at < 20 || a.get<uint32_t>(end_at - 20, "zip64 locator") != kZip64LocatorSig)
      r.fail("zip64 archive without a zip64 locator before byte {}", end_at);
    const uint64_t z = a.get<uint64_t>(end_at - 12, "zip64 end record offset");
    if (a.get<uint32_t>(z, "zip64 end record") != kZip64EndSig) r.fail("bad zip64 end record at byte {}", z);
    count = a.get<uint64_t>(z + 32, "zip64 entry count");
    cd_size = a.get<uint64_t>(z + 40, "zip64 central directory size");
    cd_at = a.get<uint64_t>(z + 48, "zip64 central directory offset");
  }
  a.need(cd_at, cd_size, "central directory");
  // Each entry takes at least 46 bytes: a count beyond that is corrupt (and must not size a vector).
  if (count > cd_size / 46) r.fail("central directory at byte {} cannot hold {} entries in {} bytes", cd_at, count, cd_size);

  std::vector<ZipEntry> entries;
  uint64_t at = cd_at;
  for (uint64_t k = 0; k < count; ++k) {
    if (a.get<uint32_t>(at, "central directory entry") != kCentralSig)
      r.fail("bad central directory entry {} at byte {}", k, at);
    ZipEntry e;
    e.central_at = at;
    e.flags = a.get<uint16_t>(at + 8, "entry flags");
    e.method = a.get<uint16_t>(at + 10, "entry method");
    e.crc = a.get<uint32_t>(at + 16, "entry crc");
    e.compressed = a.get<uint32_t>(at + 20, "entry size");
    e.uncompressed = a.get<uint32_t>(at + 24, "entry size");
    const uint16_t name_len = a.get<uint16_t>(at + 28, "entry name length");
    const uint16_t extra_len = a.get<uint16_t>(at + 30, "entry extra length");
    const uint16_t comment_len = a.get<uint16_t>(at + 32, "entry comment length");
    e.local_header = a.get<uint32_t>(at + 42, "entry offset");
    a.need(at + 46, uint64_t(name_len) + extra_len + comment_len, "entry name");
    e.name = b.substr(at + 46, name_len);
    // Zip64 extra field (id 1): 8-byte values for the 32-bit fields saturated at 0xFFFFFFFF, in order.
    for (uint64_t x = at + 46 + name_len; x + 4 <= at + 46 + name_len + extra_len;) {
      const uint16_t id = load_le<uint16_t>(b, x), size = load_le<uint16_t>(b, x + 2);
      uint64_t field = x + 4;
      if (id == 1) {
        for (uint64_t* v : {&e.uncompressed, &e.compressed, &e.local_header}) {
          if (*v != 0xFFFFFFFF) continue;
          if (field + 8 > x + 4 + size) r.fail("short zip64 field in entry '{}' at byte {}", e.name, x);
          *v = a.get<uint64_t>(field, "zip64 field");
          field += 8;
        }
      }
      x += 4 + uint64_t(size);
    }
    entries.push_back(std::move(e));
    at += 46 + uint64_t(name_len) + extra_len + comment_len;
  }
  return entries;
}

// The uncompressed bytes of an entry (a view into the archive when stored).
std::string_view entry_data(const Archive& a, const ZipEntry& e, std::string& inflated) {
  const detail::ByteReader& r = a.reader();
  if (e.flags & 1) r.fail("entry '{}' (byte {}) is encrypted", e.name, e.central_at);
  if (a.get<uint32_t>(e.local_header, "local header") != kLocalSig)
    r.fail("entry '{}': bad local header at byte {}", e.name, e.local_header);
  const uint64_t data_at = e.local_header + 30 + a.get<uint16_t>(e.local_header + 26, "local name length") +
                           a.get<uint16_t>(e.local_header + 28, "local extra length");
  a.need(data_at, e.compressed, "entry data");
  const char* src = a.bytes().data() + data_at;
  std::string_view out;
  if (e.method == 0) {
    if (e.compressed != e.uncompressed)
      r.fail("stored entry '{}' at byte {} has compressed size {} != uncompressed size {}", e.name, data_at,
             e.compressed, e.uncompressed);
    out = std::string_view(src, e.compressed);
  } else if (e.method == 8) {
    // DEFLATE expands at most ~1032:1; a larger claim is corrupt and must not size an allocation.
    if (e.uncompressed > e.compressed * 1032 + 1024)
      r.fail("entry '{}' at byte {} claims {} bytes from {} compressed", e.name, data_at, e.uncompressed, e.compressed);
    inflated.resize(size_t(e.uncompressed));
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) r.fail("zlib inflateInit2 failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src));
    zs.next_out = reinterpret_cast<Bytef*>(inflated.data());
    uint64_t in_left = e.compressed, out_left = e.uncompressed;
    int rc = Z_OK;
    while (rc == Z_OK) {
      const uInt in_chunk = uInt(std::min<uint64_t>(in_left, 1u << 30)), out_chunk = uInt(std::min<uint64_t>(out_left, 1u << 30));
      zs.avail_in = in_chunk;
      zs.avail_out = out_chunk;
      rc = inflate(&zs, Z_NO_FLUSH);
      in_left -= in_chunk - zs.avail_in;
      out_left -= out_chunk - zs.avail_out;
      if (rc == Z_OK && zs.avail_in == in_chunk && zs.avail_out == out_chunk) rc = Z_BUF_ERROR;  // no progress
    }
    const std::string msg = zs.msg ? zs.msg : "";
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || out_left != 0 || in_left != 0)
      r.fail("corrupt deflated entry '{}' at byte {}: {}", e.name, data_at,
             rc != Z_STREAM_END ? (msg.empty() ? std::string("the deflate stream is truncated") : msg)
                                : fmt::format("expected {} bytes, got {}", e.uncompressed, e.uncompressed - out_left));
    out = inflated;
  } else {
    r.fail("entry '{}' (byte {}) uses compression method {} (cajal reads stored and deflated entries)", e.name,
           e.central_at, e.method);
  }
  const uint32_t crc = uint32_t(crc32_z(0, reinterpret_cast<const Bytef*>(out.data()), out.size()));
  if (crc != e.crc) r.fail("entry '{}' at byte {}: CRC32 {:08x} does not match the stored {:08x}", e.name, data_at, crc, e.crc);
  return out;
}

}  // namespace

Tensor load_npy(const std::string& path) {
  auto r = detail::open_file(path, "load_npy");
  return read_npy_from(*r);
}

void save_npy(const std::string& path, const Tensor& tensor) {
  CAJAL_CHECK(tensor.defined(), "save_npy", "expected a tensor, got undefined");
  NoGradGuard no_grad;
  Tensor t = tensor.detach().contiguous();
  detail::AtomicFile file(path, "save_npy");
  file.write(npy_prefix(t));
  file.write(t.raw_data(), size_t(t.numel()) * t.element_size());
  file.commit();
}

StateDict load_npz(const std::string& path) {
  auto r = detail::open_file(path, "load_npz");
  const std::string bytes = r->read_all();
  Archive archive(*r, bytes);
  StateDict out;
  std::string inflated;
  for (const ZipEntry& e : read_central_directory(archive)) {
    std::string_view data = entry_data(archive, e, inflated);
    auto entry = detail::memory_reader(data.data(), data.size(), path + "[" + e.name + "]", "load_npz");
    std::string key = e.name.ends_with(".npy") ? e.name.substr(0, e.name.size() - 4) : e.name;
    out.emplace_back(std::move(key), read_npy_from(*entry));
  }
  return out;
}

void save_npz(const std::string& path, const StateDict& arrays) {
  std::set<std::string> names;
  for (const auto& [key, t] : arrays) {
    CAJAL_CHECK(!key.empty() && key.size() < 60000, "save_npz", "invalid array name '{}'", key);
    CAJAL_CHECK(names.insert(key).second, "save_npz", "array name '{}' appears twice", key);
    CAJAL_CHECK(t.defined(), "save_npz", "array '{}' is undefined", key);
  }
  CAJAL_CHECK(arrays.size() < 0xFFFF, "save_npz", "at most 65534 arrays fit a zip32 archive, got {}", arrays.size());
  NoGradGuard no_grad;
  struct Item {
    std::string name, prefix;
    Tensor data;
    uint32_t crc;
    uint64_t size, offset;
  };
  std::vector<Item> items;
  uint64_t offset = 0;
  for (const auto& [key, t] : arrays) {
    Item it{key + ".npy", "", t.detach().contiguous(), 0, 0, offset};
    it.prefix = npy_prefix(it.data);
    const size_t nbytes = size_t(it.data.numel()) * it.data.element_size();
    it.size = it.prefix.size() + nbytes;
    uLong crc = crc32_z(0, reinterpret_cast<const Bytef*>(it.prefix.data()), it.prefix.size());
    it.crc = uint32_t(crc32_z(crc, static_cast<const Bytef*>(it.data.raw_data()), nbytes));
    offset += 30 + it.name.size() + it.size;
    CAJAL_CHECK(it.size < 0xFFFFFFFF && offset < 0xFFFFFFFF, "save_npz",
                "the archive would exceed 4 GiB at array '{}' (cajal writes zip32 only)", key);
    items.push_back(std::move(it));
  }
  auto header_fields = [](std::string& h, const Item& it) {
    put_le<uint16_t>(h, 20);  // version needed: 2.0
    put_le<uint16_t>(h, 0);   // flags
    put_le<uint16_t>(h, 0);   // method: stored
    put_le<uint16_t>(h, 0);   // time
    put_le<uint16_t>(h, kDosDate1980);
    put_le<uint32_t>(h, it.crc);
    put_le<uint32_t>(h, uint32_t(it.size));
    put_le<uint32_t>(h, uint32_t(it.size));
    put_le<uint16_t>(h, uint16_t(it.name.size()));
    put_le<uint16_t>(h, 0);  // extra length
  };
  detail::AtomicFile file(path, "save_npz");
  for (const Item& it : items) {
    std::string h;
    put_le<uint32_t>(h, kLocalSig);
    header_fields(h, it);
    file.write(h + it.name);
    file.write(it.prefix);
    file.write(it.data.raw_data(), size_t(it.size - it.prefix.size()));
  }
  const uint64_t cd_at = file.offset();
  std::string cd;
  for (const Item& it : items) {
    put_le<uint32_t>(cd, kCentralSig);
    put_le<uint16_t>(cd, 20);  // version made by
    header_fields(cd, it);
    put_le<uint16_t>(cd, 0);  // comment length
    put_le<uint16_t>(cd, 0);  // disk
    put_le<uint16_t>(cd, 0);  // internal attributes
    put_le<uint32_t>(cd, 0);  // external attributes
    put_le<uint32_t>(cd, uint32_t(it.offset));
    cd += it.name;
  }
  CAJAL_CHECK(cd_at + cd.size() < 0xFFFFFFFF, "save_npz", "the archive would exceed 4 GiB (cajal writes zip32 only)");
  std::string end;
  put_le<uint32_t>(end, kEndSig);
  put_le<uint16_t>(end, 0);
  put_le<uint16_t>(end, 0);
  put_le<uint16_t>(end, uint16_t(items.size()));
  put_le<uint16_t>(end, uint16_t(items.size()));
  put_le<uint32_t>(end, uint32_t(cd.size()));
  put_le<uint32_t>(end, uint32_t(cd_at));
  put_le<uint16_t>(end, 0);
  file.write(cd + end);
  file.commit();
}

}  // namespace cajal::io
