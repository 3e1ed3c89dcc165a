// The shared frame of cajal's fuzz targets (fuzz/fuzz_*.cpp, built by `make fuzz` with clang's
// libFuzzer, ASan and UBSan, and in every other build as replay programs: fuzz/replay_main.cpp). Each target feeds the fuzzer's bytes to one reader, through a file
// because the readers take paths (they report the path and offset of what is wrong).
//
// Contract under test: any input either loads or throws cajal::Error. A crash, a sanitizer report,
// a hang, an allocation past the fuzzer's limit, or any other exception escaping is a bug; so the
// targets catch cajal::Error alone.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "cajal/core/allocator.h"
#include "cajal/core/error.h"

namespace cajal::fuzz {

// A file of this process (one per fuzzing process and suffix, rewritten for every input), with
// `suffix` so readers that look at the extension (.gz, .npz) see it. In /dev/shm (memory) where
// there is one: creating, writing and reading back a 300-byte file took 17-28 us there against
// 570-630 us in /tmp on this machine (the disk file system's metadata updates), most of an execution.
inline std::string scratch_path(const char* suffix) {
  static const std::string dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  return dir + "/cajal-fuzz-" + std::to_string(::getpid()) + suffix;
}

inline std::string write_input(const uint8_t* data, size_t size, const char* suffix = "") {
  std::string path = scratch_path(suffix);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();  // the harness itself is broken: stop loudly
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

// Runs `read` on the input; cajal::Error is the reader rejecting it, which is fine. Then the
// allocator's cache is emptied: it keeps up to 2 GiB of freed buffers for reuse (allocator.cpp),
// and over millions of inputs of every size it filled towards that, which libFuzzer's
// -rss_limit_mb (2 GiB in scripts/fuzz.sh) counts: fuzz_model_config reached 1.7 GiB in 2.3
// million inputs. Emptied, the limit measures what one input needs.
template <class F>
int run(F&& read) {
  try {
    read();
  } catch (const cajal::Error&) {
  }
  cajal::allocator::empty_cache();
  return 0;
}

}  // namespace cajal::fuzz
