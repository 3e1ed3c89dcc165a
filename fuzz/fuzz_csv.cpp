// CSV tables as `cajal train --data file.csv` reads them (header detection, label column, types).
#include "cajal/data/csv.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = cajal::fuzz::write_input(data, size, ".csv");
  return cajal::fuzz::run([&] { cajal::data::read_csv(path); });
}
