# Finds cajal's Debian-packaged dependencies and bundles them into one interface target.
# BLAS: prefer the OpenMP build of OpenBLAS, so BLAS shares cajal's OpenMP thread pool.
find_package(OpenMP REQUIRED)
find_package(ZLIB REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PNG REQUIRED)
find_package(PkgConfig REQUIRED)

set(CAJAL_OPENBLAS_DIR /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp)
find_library(CAJAL_BLAS_LIBRARY NAMES openblas HINTS ${CAJAL_OPENBLAS_DIR} NO_DEFAULT_PATH)
find_path(CAJAL_CBLAS_INCLUDE cblas.h HINTS /usr/include/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp NO_DEFAULT_PATH)
if(NOT CAJAL_BLAS_LIBRARY OR NOT CAJAL_CBLAS_INCLUDE)
  message(FATAL_ERROR "cajal needs the OpenMP build of OpenBLAS: apt-get install libopenblas-openmp-dev (or run scripts/bootstrap.sh)")
endif()
message(STATUS "cajal BLAS: ${CAJAL_BLAS_LIBRARY}")

pkg_check_modules(PLPLOT IMPORTED_TARGET plplot)

add_library(cajal_deps INTERFACE)
target_include_directories(cajal_deps INTERFACE ${CAJAL_CBLAS_INCLUDE})
target_link_libraries(cajal_deps INTERFACE ${CAJAL_BLAS_LIBRARY} OpenMP::OpenMP_CXX ZLIB::ZLIB
  nlohmann_json::nlohmann_json fmt::fmt PNG::PNG)
# PLplot (when found) links privately into libcajal: see the top CMakeLists.txt.
