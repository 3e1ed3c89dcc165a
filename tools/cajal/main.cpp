// The `cajal` command line: subcommands registered in tools/cajal/*.cpp.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cajal/core/blas_env.h"
#include "cajal/core/error.h"
#include "cajal/tools_registry.h"
#include "cajal/version.h"

int main(int argc, char** argv) {
  cajal::reexec_with_runtime_env(argv);
  CLI::App app{"cajal: deep learning and neural simulation on the CPU"};
  app.set_version_flag("--version", std::string("cajal ") + cajal::kVersion);
  app.require_subcommand(1);
  for (auto& reg : cajal::cli::registry()) reg(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const cajal::Error& e) {
    std::cerr << "cajal: error: " << e.what() << "\n";
    return 1;
  }
  return cajal::cli::exit_code();
}
