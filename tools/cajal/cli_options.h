// Options several subcommands share (cmd_train.cpp, cmd_eval.cpp).
#pragma once
#include <CLI/CLI.hpp>

#include <memory>

#include "cajal/core/threading.h"

namespace cajal::cli {

inline void add_threads_option(CLI::App* cmd, const std::shared_ptr<int>& threads) {
  cmd->add_option("--threads", *threads, "Threads for everything (cajal kernels and BLAS); default: all cores")
      ->check(CLI::PositiveNumber);
}

inline void apply_threads(int threads) {
  if (threads > 0) cajal::set_num_threads(threads);
}

}  // namespace cajal::cli
