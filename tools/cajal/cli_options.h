// Options several subcommands share (cmd_train.cpp, cmd_eval.cpp).
#pragma once
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <memory>
#include <thread>

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

}  // namespace cajal::cli
