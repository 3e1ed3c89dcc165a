// NumPy .npz archives (zip of .npy members).
#include "cajal/io/npy.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = cajal::fuzz::write_input(data, size, ".npz");
  return cajal::fuzz::run([&] { cajal::io::load_npz(path); });
}
