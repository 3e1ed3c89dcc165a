#!/bin/bash
# A VAE and a DCGAN trained for a few hundred steps by `cajal train` and by the same architecture
# in PyTorch (bench/generative_torch.py), interleaved, same thread count; samples/s of each.
#   bash bench/generative_compare.sh [build-dir] [vae-steps] [dcgan-steps] [threads] [rounds]
set -euo pipefail
BUILD=${1:-build}
VAE_STEPS=${2:-300}
GAN_STEPS=${3:-40}
THREADS=${4:-2}
ROUNDS=${5:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d)
for round in $(seq "$ROUNDS"); do
  for model in vae dcgan; do
    steps=$VAE_STEPS; extra=()
    if [ "$model" = dcgan ]; then steps=$GAN_STEPS; extra=(--lr 0.0002); fi
    # cajal: samples/s of the training loop (the report's throughput; no validation split).
    "$BUILD/cajal" train "$model" --epochs 1 --max-steps-per-epoch "$((steps + 1))" --validation-size 0 \
      --threads "$THREADS" --out "$OUT/$model" --json "${extra[@]}" 2>/dev/null | tail -1 |
      /usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin); print(json.dumps({'model': '$model', 'library': 'cajal', 'round': $round, 'samples_per_second': r['samples_per_second'], 'loss': r['train_loss']}))"
    /usr/bin/python3 "$HERE/generative_torch.py" --model "$model" --steps "$steps" --threads "$THREADS"
  done
done
rm -rf "$OUT"
