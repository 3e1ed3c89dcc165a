#!/usr/bin/env bash
# The main job of `make run`: the zoo's compact CNN (fmnist_cnn: 3 x conv3x3-BN-ReLU-maxpool with
# 32/64/128 channels, dropout 0.1, one linear layer; 104,426 parameters) trained on Fashion-MNIST
# for 10 epochs with random-crop (1 pixel of padding) and horizontal-flip augmentation, Adam at lr
# 1e-3 on a cosine schedule, batch 64; its summary first, then the training report, the test
# evaluation of the checkpoint and where the run's files are. The MLP stays `cajal train mlp`.
set -euo pipefail
BUILD=${1:-build}
OUT=${OUT:-runs/fmnist_cnn}
# libgomp spins 300k iterations at each barrier by default: fastest on an idle machine, but 10-40x
# slower when another process wants the cores (ctest -j2, a busy CI host). 10k spins costs nothing
# measurable when idle (docs/PERFORMANCE.md). Only a default: an explicit setting wins.
export GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}
"$BUILD"/cajal summary fmnist_cnn
echo
"$BUILD"/cajal train fmnist_cnn --data fashion-mnist --augment crop=1,flip --model-config '{"dropout":0.1}' \
  --lr-schedule cosine --epochs 10 --batch-size 64 --optimizer adam --lr 1e-3 --seed 0 --out "$OUT"
echo
"$BUILD"/cajal eval "$OUT"/checkpoint.safetensors --data fashion-mnist
echo
echo "run directory: $OUT ($(ls "$OUT" | tr '\n' ' '))"
