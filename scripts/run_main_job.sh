#!/usr/bin/env bash
# The main job of `make run`: train the Fashion-MNIST MLP for 3 epochs with Adam (lr 1e-3, batch
# 64), evaluate the checkpoint on the test set, and show where the run's files are.
set -euo pipefail
BUILD=${1:-build}
OUT=${OUT:-runs/mlp}
# libgomp spins 300k iterations at each barrier by default: fastest on an idle machine, but 10-40x
# slower when another process wants the cores (ctest -j2, a busy CI host). 10k spins costs nothing
# measurable when idle (docs/PERFORMANCE.md). Only a default: an explicit setting wins.
export GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}
"$BUILD"/cajal train mlp --data fashion-mnist --epochs 3 --batch-size 64 --optimizer adam --lr 1e-3 --seed 0 \
  --out "$OUT"
echo
"$BUILD"/cajal eval "$OUT"/checkpoint.safetensors --data fashion-mnist
echo
echo "run directory: $OUT ($(ls "$OUT" | tr '\n' ' '))"
