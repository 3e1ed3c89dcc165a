// Helpers for the data and io tests: a temporary directory removed at the end of the test, raw
// byte file writing/reading, gzip writing, and running numpy through /usr/bin/python3.
// Fixtures are generated inside the tests; no binary file is committed.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace cajal::test {

// A fresh directory, in RAM (/dev/shm) when the machine has it: the fuzz tests write thousands of
// small files, and on a disk mounted with `discard` every truncation costs milliseconds.
class TempDir {
 public:
  TempDir() {
    const std::filesystem::path base =
        ::access("/dev/shm", W_OK) == 0 ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "cajal-test-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    if (!p) throw std::runtime_error("mkdtemp failed");
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

using Bytes = std::string;

inline void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), std::streamsize(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

inline Bytes read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline void write_gzip(const std::string& path, const Bytes& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot gzopen " + path);
  gzwrite(f, bytes.data(), unsigned(bytes.size()));
  gzclose(f);
}

inline void put_be32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b += char((v >> s) & 0xFF);
}

// An IDX file's bytes: magic, big-endian dims, then `data` (already big-endian).
inline Bytes idx_bytes(uint8_t type, const std::vector<uint32_t>& dims, const Bytes& data) {
  Bytes b{char(0), char(0), char(type), char(dims.size())};
  for (uint32_t d : dims) put_be32(b, d);
  return b + data;
}

// A zip archive whose entries are DEFLATE-compressed (what np.savez_compressed writes), built
// with zlib so the DEFLATED reader is tested without numpy.
inline Bytes deflated_zip(const std::vector<std::pair<std::string, Bytes>>& entries) {
  auto put16 = [](Bytes& b, uint16_t v) { b.append(reinterpret_cast<const char*>(&v), 2); };
  auto put32 = [](Bytes& b, uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); };
  Bytes out, central;
  for (const auto& entry : entries) {
    // Not a structured binding: clang 14 (the sanitizer build) cannot capture one in the lambda below.
    const std::string& name = entry.first;
    const Bytes& data = entry.second;
    z_stream zs{};
    deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);  // raw deflate, as zip wants
    Bytes packed(deflateBound(&zs, uLong(data.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = uInt(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(packed.data());
    zs.avail_out = uInt(packed.size());
    deflate(&zs, Z_FINISH);
    packed.resize(zs.total_out);
    deflateEnd(&zs);
    const uint32_t crc = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size())));
    const uint32_t offset = uint32_t(out.size());
    auto common = [&](Bytes& b) {
      put16(b, 20), put16(b, 0), put16(b, 8), put16(b, 0), put16(b, 0x21), put32(b, crc);
      put32(b, uint32_t(packed.size())), put32(b, uint32_t(data.size())), put16(b, uint16_t(name.size())), put16(b, 0);
    };
    put32(out, 0x04034b50);
    common(out);
    out += name + packed;
    put32(central, 0x02014b50);
    put16(central, 20);
    common(central);
    put16(central, 0), put16(central, 0), put16(central, 0), put32(central, 0), put32(central, offset);
    central += name;
  }
  const uint32_t cd_at = uint32_t(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0), put16(out, 0), put16(out, uint16_t(entries.size())), put16(out, uint16_t(entries.size()));
  put32(out, uint32_t(central.size())), put32(out, cd_at), put16(out, 0);
  return out;
}

// True when /usr/bin/python3 can import numpy.
inline bool have_numpy() {
  static const bool ok = std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
  return ok;
}

// Runs a Python program (numpy imported as np); returns its exit status.
inline int run_python(const std::string& dir, const std::string& program) {
  const std::string script = dir + "/script.py";
  write_bytes(script, "import numpy as np\n" + program + "\n");
  return std::system(("/usr/bin/python3 " + script).c_str());
}

}  // namespace cajal::test
