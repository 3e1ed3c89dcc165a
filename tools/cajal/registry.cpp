// Storage for the CLI subcommand registry.
#include "cajal/tools_registry.h"

namespace cajal::cli {
std::vector<Registrar>& registry() {
  static std::vector<Registrar> r;
  return r;
}
int& exit_code_ref() {
  static int code = 0;
  return code;
}
}  // namespace cajal::cli
