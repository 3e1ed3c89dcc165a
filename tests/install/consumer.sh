#!/usr/bin/env bash
# Installs the build into a fresh prefix, then builds examples/consumer/ (a separate CMake project
# that only finds the installed cajal::cajal) and a one-file program through pkg-config, and runs
# both: the package files, the headers (version.h included) and the library work outside the tree.
# Usage: consumer.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
BUILD=$1 SRC=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
cmake --install "$BUILD" --prefix "$WORK/prefix" >/dev/null
cmake -S "$SRC/examples/consumer" -B "$WORK/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$WORK/prefix" >/dev/null
cmake --build "$WORK/consumer" >/dev/null
"$WORK/consumer/consumer"
export PKG_CONFIG_PATH="$WORK/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
g++ -O1 "$SRC/examples/consumer/main.cpp" -o "$WORK/consumer_pc" $(pkg-config --cflags --libs cajal)
"$WORK/consumer_pc" | sed 's/^/pkg-config: /'
echo "pkg-config version: $(pkg-config --modversion cajal)"
"$WORK/prefix/bin/cajal" --version
# The Python package from the same install, imported from a directory outside the tree.
PY_DIR=$(dirname "$(find "$WORK/prefix" -name '_cajal*.so' | head -1)")
(cd "$WORK" && PYTHONPATH="$(dirname "$PY_DIR")" /usr/bin/python3 -c "import cajal; print('python: cajal', cajal.__version__)")
