// ByteReader: the one way cajal's file readers (IDX, CSV, text, NPY/NPZ, safetensors) pull bytes.
// A reader is a file on disk — gzip or raw, told apart by the magic bytes 0x1f 0x8b, never by the
// extension — or a buffer in memory (an entry of an .npz archive).
// Convention: every failure is cajal::Error(ErrorKind::IO, op, "<name>: <what> at byte <offset>"),
// where the offset counts bytes of the (decompressed) stream from its start, so a message says
// exactly where a file stopped making sense.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cajal/core/error.h"

namespace cajal::detail {

class ByteReader {
 public:
  ByteReader(std::string op, std::string name) : op_(std::move(op)), name_(std::move(name)) {}
  virtual ~ByteReader() = default;
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  const std::string& op() const { return op_; }
  const std::string& name() const { return name_; }
  uint64_t offset() const { return offset_; }  // bytes consumed so far
  // Total length of the stream when it is known without reading it (raw files, memory);
  // nullopt for gzip, whose decompressed length is only known at its end.
  virtual std::optional<uint64_t> size() const = 0;
  bool is_gzip() const { return !size().has_value(); }

  // Reads up to n bytes; returns fewer only at the end of the stream.
  size_t read(void* dst, size_t n);
  // Reads exactly n bytes or throws "truncated at byte X: expected n bytes of <what>, got k".
  void read_exact(void* dst, size_t n, std::string_view what);
  // Throws "<k> unexpected bytes after <what> at byte X" unless the stream ends here.
  void expect_end(std::string_view what);
  // Everything from here to the end of the stream.
  std::string read_all();

  // Throws cajal::Error(IO, op, "<name>: <message>").
  template <class... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) const {
    throw Error(ErrorKind::IO, op_, name_ + ": " + fmt::format(f, std::forward<Args>(args)...));
  }

 protected:
  // Reads up to n bytes; 0 means the stream ended. Implementations throw on corrupt input.
  virtual size_t read_some(void* dst, size_t n) = 0;
  // Throws when the stream ended abnormally (a gzip stream cut before its CRC trailer).
  virtual void check_complete() const {}

 private:
  std::string op_, name_;
  uint64_t offset_ = 0;
};

// Opens a file for reading. A missing file throws "<path> not found"; a directory or an
// unreadable file throws with the reason.
std::unique_ptr<ByteReader> open_file(const std::string& path, const std::string& op);
// Reads `size` bytes at `data` (not copied: the buffer must outlive the reader).
std::unique_ptr<ByteReader> memory_reader(const void* data, size_t size, std::string name, std::string op);

// True when `path` names an existing regular file.
bool file_exists(const std::string& path);

}  // namespace cajal::detail
