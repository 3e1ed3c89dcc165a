// PNG images (the image-folder datasets).
#include "cajal/data/image_folder.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = cajal::fuzz::write_input(data, size, ".png");
  return cajal::fuzz::run([&] { cajal::data::read_png(path); });
}
