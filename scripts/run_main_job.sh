#!/usr/bin/env bash
# The main job of `make run`. Until the training stack lands it recomputes the worked examples.
set -euo pipefail
BUILD=${1:-build}
"$BUILD"/cajal examples
