// Options several subcommands share (cmd_train.cpp, cmd_eval.cpp, cmd_summary.cpp, cmd_export.cpp).
#pragma once
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "cajal/core/error.h"
#include "cajal/core/tensor.h"
#include "cajal/core/threading.h"

namespace cajal::cli {

inline void add_threads_option(CLI::App* cmd, const std::shared_ptr<int>& threads) {
  cmd->add_option("--threads", *threads, "Threads for everything (cajal kernels and BLAS); default: all cores")
      ->check(CLI::PositiveNumber);
}

inline void apply_threads(int threads) {
  if (threads > 0) cajal::set_num_threads(threads);
}

// Under mpirun: the host's cores shared by the ranks on it (OMPI_COMM_WORLD_LOCAL_SIZE), at least 1,
// so N ranks on one host do not each start a thread per core.
inline int threads_per_local_rank() {
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  const int ranks = local ? std::max(1, std::atoi(local)) : 1;
  return std::max(1, int(std::thread::hardware_concurrency()) / ranks);
}

// --input "3x224x224" or "784" -> {3, 224, 224} / {784}; `op` and `example` word the error.
inline Shape parse_input_shape(const std::string& text, const char* op, const char* example) {
  Shape s;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('x', pos);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(pos, end - pos);
    CAJAL_CHECK(!part.empty() && part.size() <= 9 && part.find_first_not_of("0123456789") == std::string::npos, op,
                "expected --input as sizes joined by 'x' (e.g. {}), got '{}'", example, text);
    s.push_back(std::stoll(part));
    pos = end + 1;
  }
  return s;
}

}  // namespace cajal::cli
