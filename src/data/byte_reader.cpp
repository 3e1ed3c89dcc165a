// ByteReader implementations: raw files (stdio), gzip files (zlib's gzread) and memory.
// NB: zlib's gzopen would also read raw files transparently, but stdio reads them straight into
// the caller's buffer and lets us know the file size up front (a truncated file is then reported
// before a large tensor is allocated).
#include "data/byte_reader.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

namespace cajal::detail {

size_t ByteReader::read(void* dst, size_t n) {
  size_t got = 0;
  auto* out = static_cast<char*>(dst);
  while (got < n) {
    size_t k = read_some(out + got, n - got);
    if (k == 0) break;
    got += k;
    offset_ += k;
  }
  return got;
}

void ByteReader::read_exact(void* dst, size_t n, std::string_view what) {
  size_t got = read(dst, n);
  if (got != n) fail("truncated at byte {}: expected {} bytes of {}, got {}", offset_, n, what, got);
}

void ByteReader::expect_end(std::string_view what) {
  uint64_t at = offset_;
  uint64_t extra = 0;
  if (auto total = size()) {
    extra = *total > at ? *total - at : 0;
  } else {
    char buf[4096];
    while (size_t k = read(buf, sizeof buf)) extra += k;
  }
  if (extra > 0) fail("{} unexpected bytes after {} at byte {}", extra, what, at);
  check_complete();
}

std::string ByteReader::read_all() {
  std::string out;
  if (auto total = size()) {
    out.resize(*total > offset_ ? size_t(*total - offset_) : 0);
    out.resize(read(out.data(), out.size()));
    return out;
  }
  size_t used = 0;
  out.resize(1 << 16);
  while (size_t k = read(out.data() + used, out.size() - used)) {
    used += k;
    if (used == out.size()) out.resize(out.size() * 2);
  }
  out.resize(used);
  check_complete();
  return out;
}

namespace {

class RawFileReader final : public ByteReader {
 public:
  RawFileReader(FILE* f, uint64_t size, std::string op, std::string name)
      : ByteReader(std::move(op), std::move(name)), f_(f), size_(size) {}
  ~RawFileReader() override { std::fclose(f_); }
  std::optional<uint64_t> size() const override { return size_; }

 protected:
  size_t read_some(void* dst, size_t n) override {
    size_t k = std::fread(dst, 1, n, f_);
    if (k == 0 && std::ferror(f_)) fail("read error at byte {}: {}", offset(), std::strerror(errno));
    return k;
  }

 private:
  FILE* f_;
  uint64_t size_;
};

class GzipFileReader final : public ByteReader {
 public:
  GzipFileReader(gzFile f, std::string op, std::string name) : ByteReader(std::move(op), std::move(name)), f_(f) {}
  ~GzipFileReader() override { gzclose_r(f_); }
  std::optional<uint64_t> size() const override { return std::nullopt; }

 protected:
  size_t read_some(void* dst, size_t n) override {
    if (ended_) return 0;
    unsigned chunk = unsigned(std::min<size_t>(n, size_t(1) << 30));  // gzread counts in int
    int k = gzread(f_, dst, chunk);
    if (k < int(chunk)) {
      int errnum = Z_OK;
      const char* msg = gzerror(f_, &errnum);
      // NB: Z_BUF_ERROR is zlib's "unexpected end of file": the compressed stream stops early.
      // The bytes decompressed so far are returned; the caller reports the truncation.
      if (errnum == Z_BUF_ERROR) {
        ended_ = truncated_ = true;
      } else if (errnum != Z_OK) {
        fail("corrupt gzip stream near byte {} (decompressed): {}", offset() + uint64_t(std::max(k, 0)), msg);
      } else if (k == 0) {
        ended_ = true;
      }
    }
    return size_t(std::max(k, 0));
  }
  void check_complete() const override {
    if (truncated_)
      fail("truncated gzip stream: the compressed data ends at decompressed byte {} without its trailer", offset());
  }

 private:
  gzFile f_;
  bool ended_ = false, truncated_ = false;
};

class MemoryReader final : public ByteReader {
 public:
  MemoryReader(const void* data, size_t size, std::string name, std::string op)
      : ByteReader(std::move(op), std::move(name)), data_(static_cast<const char*>(data)), size_(size) {}
  std::optional<uint64_t> size() const override { return size_; }

 protected:
  size_t read_some(void* dst, size_t n) override {
    size_t k = std::min<size_t>(n, size_ - pos_);
    std::memcpy(dst, data_ + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  const char* data_;
  size_t size_, pos_ = 0;
};

}  // namespace

std::unique_ptr<ByteReader> open_file(const std::string& path, const std::string& op) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw Error(ErrorKind::IO, op, path + " not found");
    throw Error(ErrorKind::IO, op, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) throw Error(ErrorKind::IO, op, path + " is not a regular file");
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(ErrorKind::IO, op, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  unsigned char magic[2] = {0, 0};
  size_t k = std::fread(magic, 1, 2, f);
  if (k == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    std::fclose(f);
    gzFile gz = gzopen(path.c_str(), "rb");
    if (!gz) throw Error(ErrorKind::IO, op, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    gzbuffer(gz, 1 << 17);
    return std::make_unique<GzipFileReader>(gz, op, path);
  }
  std::rewind(f);
  return std::make_unique<RawFileReader>(f, uint64_t(st.st_size), op, path);
}

std::unique_ptr<ByteReader> memory_reader(const void* data, size_t size, std::string name, std::string op) {
  return std::make_unique<MemoryReader>(data, size, std::move(name), std::move(op));
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace cajal::detail
