#!/usr/bin/env bash
# Runs every test tier: the C++ GoogleTest binaries via CTest, then the Python suite (if built).
set -euo pipefail
BUILD=${1:-build}
export CAJAL_NUM_THREADS=${CAJAL_NUM_THREADS:-2}
# libgomp spins 300k iterations at each barrier by default: fastest on an idle machine, but 10-40x
# slower when another process wants the cores (ctest -j2, a busy CI host). 10k spins costs nothing
# measurable when idle (docs/PERFORMANCE.md). Only a default: an explicit setting wins.
export GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}
ctest --test-dir "$BUILD" --output-on-failure -j 2 --timeout 900
if [ -d python/tests ] && ls "$BUILD"/python/_cajal*.so >/dev/null 2>&1; then
  PYTHONPATH="$BUILD/python:${PYTHONPATH:-}" /usr/bin/python3 -m pytest -q python/tests
fi
