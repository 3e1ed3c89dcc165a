#!/bin/bash
# `make soak` (not part of `make test`): the bounded soak test, a few minutes on 2 cores.
#   1. SOAK_GRAPHS (default 10000) random op graphs through cajal, forward and backward, against the
#      same graphs in torch float64 (tests/soak/op_graphs.py);
#   2. SOAK_TRIALS (default 10) `cajal train mlp` runs interrupted by SIGINT/SIGKILL at random
#      moments and resumed, each compared bit for bit with an uninterrupted run (tests/soak/train_kills.py).
# SOAK_SEED fixes both seeds (default: drawn from the clock; each part prints its own, so a failure
# reproduces with SOAK_SEED=S, or op_graphs.py --seed S --only I for one graph). Figures: docs/RELIABILITY.md.
#   scripts/soak.sh [BUILD]          SOAK_GRAPHS=100000 SOAK_TRIALS=50 make soak
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
py=/usr/bin/python3
export PYTHONPATH="$PWD/$build/python${PYTHONPATH:+:$PYTHONPATH}"
seed_args=()
[ -n "${SOAK_SEED:-}" ] && seed_args=(--seed "$SOAK_SEED")
status=0
start=$SECONDS
$py tests/soak/op_graphs.py --graphs "${SOAK_GRAPHS:-10000}" "${seed_args[@]}" || status=1
$py tests/soak/train_kills.py "$build/cajal" "$build/soak-train-kills" --trials "${SOAK_TRIALS:-10}" "${seed_args[@]}"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 77 ] && status=1
echo "soak: $([ $status -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - start)) s"
exit $status
