#!/bin/sh
# CTest cli.train_snn: `cajal train snn` (the spiking MLP, surrogate-gradient BPTT) trains like any
# model: a small net (64 hidden LIF neurons, 6 steps) for 2 short epochs on Fashion-MNIST, then
# `cajal eval` on its checkpoint. Checks: the training loss falls from epoch 1 to epoch 2, test
# accuracy is far above chance (10%), the spikes per example reach metrics.csv, the report and
# the evaluation, and a run resumed after epoch 1 ends bit-identical. Prints PASS. Exit 77 (skipped) without the Fashion-MNIST package.
#   train_snn.sh CAJAL WORKDIR PYTHON COMPARE_PY (tests/distributed/compare_runs.py; PYTHONPATH: the module)
cajal=$1 work=$2 python=$3 compare=$4
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] &&
   [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte ]; then
  echo "SKIP: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"; exit 77
fi
rm -rf "$work"; mkdir -p "$work" || exit 1
$cajal train snn --model-config '{"hidden":64,"steps":6}' --optimizer adam --lr 0.002 --batch-size 64 --epochs 2 \
  --max-steps-per-epoch 30 --validation-size 500 --threads 1 --out "$work/run" >"$work/train.txt" 2>&1 || {
  cat "$work/train.txt"; exit 1; }
cat "$work/train.txt"
# Resuming is exact: epoch 1 alone, then --resume to epoch 2, equals the 2-epoch run bit for bit (the
# input spikes come from the default generator, whose state the checkpoint holds).
$cajal train snn --model-config '{"hidden":64,"steps":6}' --optimizer adam --lr 0.002 --batch-size 64 --epochs 1 \
  --max-steps-per-epoch 30 --validation-size 500 --threads 1 --json --out "$work/half" >/dev/null 2>&1 || exit 1
$cajal train snn --resume "$work/half/checkpoint.safetensors" --epochs 2 --max-steps-per-epoch 30 --threads 1 --json \
  --out "$work/half" >/dev/null 2>&1 || exit 1
$python "$compare" "$work/run/checkpoint.safetensors" "$work/half/checkpoint.safetensors" --loss-rtol 0 --param-atol 0 |
  grep -q MATCH || { echo "FAIL: the resumed run differs"; exit 1; }
echo "resumed run: bit-identical"
$cajal eval "$work/run/checkpoint.safetensors" --threads 1 >"$work/eval.txt" || exit 1
cat "$work/eval.txt"
grep -q "hidden_spikes" "$work/train.txt" || { echo "FAIL: no hidden_spikes in the report"; exit 1; }
# metrics.csv: epoch, train_loss, ..., columns named in its header.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
         { loss[NR - 1] = $col["train_loss"]; spk[NR - 1] = $col["train_hidden_spikes"] }
         END { if (!(loss[2] < loss[1])) { print "FAIL: train loss did not fall: " loss[1] " -> " loss[2]; exit 1 }
               if (!(spk[2] > 0)) { print "FAIL: no hidden spikes in metrics.csv"; exit 1 }
               print "train loss " loss[1] " -> " loss[2] ", hidden spikes per example " spk[2] }' \
  "$work/run/metrics.csv" || exit 1
acc=$(sed -n 's/.*accuracy \([0-9.]*\)%.*/\1/p' "$work/eval.txt" | head -1)
spikes=$(sed -n 's/^model metrics (per example): hidden_spikes \([0-9.]*\).*/\1/p' "$work/eval.txt")
awk -v a="$acc" -v s="$spikes" 'BEGIN { if (a + 0 > 50 && s + 0 > 0) { print "PASS"; exit 0 }
  print "FAIL: test accuracy " a "% (want > 50%), hidden spikes " s; exit 1 }'
