// Text corpora (UTF-8 files the character models and BLEU read).
#include "cajal/data/text.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = cajal::fuzz::write_input(data, size, ".txt");
  return cajal::fuzz::run([&] { cajal::data::load_text(path); });
}
