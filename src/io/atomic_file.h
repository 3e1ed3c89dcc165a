// AtomicFile: writes a file so that readers only ever see the old file or the complete new one.
// Bytes go to "<path>.tmp.<pid>"; commit() flushes, fsyncs, closes and renames it over `path`
// (then fsyncs the directory so the rename itself survives a crash). Destroying an uncommitted
// AtomicFile (an error was thrown while writing) removes the temporary file.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace cajal::detail {

class AtomicFile {
 public:
  AtomicFile(std::string path, std::string op);  // throws cajal::Error (IO) when it cannot create the file
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t n);
  void write(const std::string& s) { write(s.data(), s.size()); }
  uint64_t offset() const { return offset_; }  // bytes written so far
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what);
  std::string path_, tmp_path_, op_;
  FILE* f_ = nullptr;
  uint64_t offset_ = 0;
};

}  // namespace cajal::detail
