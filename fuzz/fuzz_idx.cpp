// IDX files (MNIST layout), raw and gzip-compressed (the first input byte picks which).
#include "cajal/data/idx.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool gz = data[0] & 1;
  const std::string& path = cajal::fuzz::write_input(data + 1, size - 1, gz ? ".gz" : "");
  return cajal::fuzz::run([&] { cajal::data::read_idx(path); });
}
