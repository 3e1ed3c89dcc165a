// word2vec vector files (`cajal word2vec` writes them; gensim's two formats): the first input byte
// picks the text or the binary reader, the rest is the file.
#include "cajal/text/word2vec.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool binary = data[0] & 1;
  const std::string& path = cajal::fuzz::write_input(data + 1, size - 1, binary ? ".bin" : ".txt");
  return cajal::fuzz::run([&] { cajal::text::WordVectors::load(path, binary); });
}
