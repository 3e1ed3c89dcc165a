// safetensors files, read as a plain state dict and as a `cajal train` checkpoint (whose metadata
// JSON is parsed further).
#include "cajal/io/checkpoint.h"
#include "cajal/io/safetensors.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = cajal::fuzz::write_input(data, size, ".safetensors");
  cajal::fuzz::run([&] { cajal::io::load_safetensors(path); });
  return cajal::fuzz::run([&] { cajal::io::load_checkpoint(path); });
}
