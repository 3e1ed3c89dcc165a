// AtomicFile (see atomic_file.h).
#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cajal/core/error.h"

namespace cajal::detail {

AtomicFile::AtomicFile(std::string path, std::string op)
    : path_(std::move(path)), op_(std::move(op)) {
  // NB: built with append, not `a + b + c`: GCC 12 emits a bogus -Wrestrict for the latter.
  tmp_path_.append(path_).append(".tmp.").append(std::to_string(::getpid()));
  f_ = std::fopen(tmp_path_.c_str(), "wb");
  if (!f_)
    CAJAL_FAIL(IO, op_, "cannot write {}: cannot create {}: {} (the previous file, if any, is unchanged)", path_,
               tmp_path_, std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (f_) {
    std::fclose(f_);
    std::remove(tmp_path_.c_str());
  }
}

void AtomicFile::fail(const std::string& what) {
  int err = errno;
  if (f_) {
    std::fclose(f_);
    f_ = nullptr;
  }
  std::remove(tmp_path_.c_str());
  CAJAL_FAIL(IO, op_, "cannot write {}: {} failed at byte {}: {} (the previous file, if any, is unchanged)", path_,
             what, offset_, std::strerror(err));
}

void AtomicFile::write(const void* data, size_t n) {
  if (n == 0) return;
  if (std::fwrite(data, 1, n, f_) != n) fail("write");
  offset_ += n;
}

void AtomicFile::commit() {
  if (std::fflush(f_) != 0) fail("flush");
  if (::fsync(::fileno(f_)) != 0) fail("fsync");
  FILE* f = f_;
  f_ = nullptr;
  if (std::fclose(f) != 0) fail("close");
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) fail("rename");
  // Make the rename durable: fsync the directory entry (best effort; some filesystems refuse).
  const size_t slash = path_.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string(".") : path_.substr(0, std::max<size_t>(slash, 1));
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace cajal::detail
