// Subcommand registry of the CLI: each tools/cajal/cmd_*.cpp adds itself with a static
// CAJAL_CLI_COMMAND(fn), where fn(CLI::App&) adds one subcommand and its callback.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace cajal::cli {

using Registrar = std::function<void(CLI::App&)>;
std::vector<Registrar>& registry();
int& exit_code_ref();
inline int exit_code() { return exit_code_ref(); }

struct AutoRegister {
  explicit AutoRegister(Registrar r) { registry().push_back(std::move(r)); }
};

}  // namespace cajal::cli

#define CAJAL_CLI_CONCAT2(a, b) a##b
#define CAJAL_CLI_CONCAT(a, b) CAJAL_CLI_CONCAT2(a, b)
#define CAJAL_CLI_COMMAND(fn) static ::cajal::cli::AutoRegister CAJAL_CLI_CONCAT(cajal_cli_reg_, __LINE__)(fn)
