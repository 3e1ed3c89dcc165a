// cajal's version: the one place it is written. CMake reads the three numbers below for
// project(cajal VERSION ...) (the package config, pkg-config), and `cajal --version`,
// cajal.__version__ and every checkpoint's metadata ("cajal.version") read kVersion.
#pragma once

#define CAJAL_VERSION_MAJOR 0
#define CAJAL_VERSION_MINOR 2
#define CAJAL_VERSION_PATCH 0

#define CAJAL_VERSION_STR_(x) #x
#define CAJAL_VERSION_STR(x) CAJAL_VERSION_STR_(x)
#define CAJAL_VERSION_STRING \
  CAJAL_VERSION_STR(CAJAL_VERSION_MAJOR) "." CAJAL_VERSION_STR(CAJAL_VERSION_MINOR) "." CAJAL_VERSION_STR(CAJAL_VERSION_PATCH)

namespace cajal {
inline constexpr const char* kVersion = CAJAL_VERSION_STRING;
}  // namespace cajal
