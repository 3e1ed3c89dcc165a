#!/usr/bin/env bash
# `cajal train --data` on the datasets tests/cli/make_datasets.py writes: one case per call.
#   train_data.sh CAJAL DATA_DIR WORK_DIR CASE
# A training case checks the exit status, the report's numbers (parameters, test accuracy on the
# separable data, example counts) and the files; an error case checks the exit status, the message
# (path plus offset / line / column, or the name) and that the run directory was left as it was.
set -u
cajal=$1 data=$2 work=$3 case=$4
run="$work/$case"
rm -rf "$run" && mkdir -p "$run"
fail() { echo "FAIL [$case]: $*"; exit 1; }

# train ARGS...: trains mlp for a few steps; leaves stdout in $run/out, stderr in $run/err.
train() {
  "$cajal" train mlp --epochs 4 --batch-size 16 --seed 3 --threads 1 --out "$run/out.d" --json "$@" \
    >"$run/out" 2>"$run/err"
}

# expect_report KEY=VALUE...: each key of the last JSON line equals the value (numbers compared as numbers).
expect_report() {
  /usr/bin/python3 - "$run/out" "$@" <<'PY' || fail "report: $(tail -1 "$run/out")"
import json, sys
report = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
for kv in sys.argv[2:]:
    key, want = kv.split("=", 1)
    got = report.get(key)
    ok = got == json.loads(want) if want[:1].isdigit() or want[:1] in "-[{" else got == want
    if not ok:
        sys.exit(f"{key}: expected {want}, got {got}")
PY
}

# expect_error FRAGMENT... : non-zero exit, every fragment in stderr, no checkpoint, old files kept.
expect_error() {
  [ "$status" -ne 0 ] || fail "expected a non-zero exit status, got 0"
  for frag in "$@"; do
    grep -qF -- "$frag" "$run/err" || fail "stderr lacks '$frag': $(cat "$run/err")"
  done
  [ ! -e "$run/out.d/checkpoint.safetensors" ] || fail "a checkpoint was written"
  [ "$(cat "$run/out.d/metrics.csv")" = "an earlier run" ] || fail "the run directory was changed"
}

# An existing run directory that a failing run must leave alone.
mkdir -p "$run/out.d" && echo "an earlier run" >"$run/out.d/metrics.csv"

case $case in
  idx)
    train --data "$data/idx" --validation-size 8 --model-config '{"in_features":16,"num_classes":2}'
    [ $? -eq 0 ] || fail "exit status $?: $(cat "$run/err")"
    # mlp 16-256-128-2: 16*256+256 + 256*128+128 + 128*2+2 parameters.
    expect_report parameters=37506 test_accuracy=1.0 epochs=4 "data=$data/idx"
    [ -s "$run/out.d/checkpoint.safetensors" ] || fail "no checkpoint"
    [ "$(wc -l <"$run/out.d/metrics.csv")" -eq 5 ] || fail "metrics.csv: $(cat "$run/out.d/metrics.csv")"
    ;;
  csv)
    train --data "$data/table.csv,label-column=species" --validation-size 8 \
      --model-config '{"in_features":4,"num_classes":3}'
    [ $? -eq 0 ] || fail "exit status: $(cat "$run/err")"
    expect_report parameters=$((4 * 256 + 256 + 256 * 128 + 128 + 128 * 3 + 3)) test_accuracy=1.0
    ;;
  images)
    train --data "$data/images" --validation-size 4 --model-config '{"in_features":16,"num_classes":2}'
    [ $? -eq 0 ] || fail "exit status: $(cat "$run/err")"
    expect_report parameters=37506 test_accuracy=1.0
    ;;
  text_report)
    # The human report names the data; 80 rows minus 16 held out for test minus 8 for validation.
    "$cajal" train mlp --data "$data/table.csv" --epochs 1 --batch-size 8 --validation-size 8 --threads 1 \
      --out "$run/out.d" --model-config '{"in_features":4,"num_classes":3}' >"$run/out" 2>"$run/err" ||
      fail "exit status: $(cat "$run/err")"
    grep -qF "mlp on $data/table.csv (classification)" "$run/out" || fail "report: $(cat "$run/out")"
    grep -qE "test .*accuracy .*\(16 examples\)" "$run/out" || fail "report: $(cat "$run/out")"
    grep -qF "7/7" "$run/err" || fail "progress should count 7 steps of 8 (56 examples): $(tail -c 300 "$run/err")"
    ;;
  idx_truncated)
    train --data "$data/idx-truncated" --model-config '{"in_features":16,"num_classes":2}'; status=$?
    expect_error "$data/idx-truncated/train-images-idx3-ubyte" "truncated at byte 116" \
      "expected 1024 bytes of data after the 16-byte header, got 100"
    ;;
  idx_badmagic)
    train --data "$data/idx-badmagic" --model-config '{"in_features":16,"num_classes":2}'; status=$?
    expect_error "$data/idx-badmagic/train-images-idx3-ubyte" "bad magic 0x08 0x03 at byte 0"
    ;;
  csv_ragged)
    train --data "$data/ragged.csv" --validation-size 0; status=$?
    expect_error "$data/ragged.csv:4: expected 3 fields, got 2"
    ;;
  csv_nonnumeric)
    train --data "$data/nonnumeric.csv" --validation-size 0; status=$?
    expect_error "$data/nonnumeric.csv:3: column 1 ('b'): expected a number, got 'four'"
    ;;
  csv_missing_label)
    train --data "$data/table.csv,label-column=class" --validation-size 0; status=$?
    expect_error "$data/table.csv:1: no column named 'class' (columns: sepal_length, sepal_width"
    ;;
  csv_float_label)
    train --data "$data/floatlabel.csv" --validation-size 0; status=$?
    expect_error "$data/floatlabel.csv:3: column 2 ('label'): expected an integer class label >= 0, got '1.5'"
    ;;
  images_notpng)
    train --data "$data/images-notpng" --validation-size 0; status=$?
    expect_error "$data/images-notpng/bright/notes.png: not a PNG file" "got 74 68 69 73"
    ;;
  images_emptyclass)
    train --data "$data/images-emptyclass" --validation-size 0; status=$?
    expect_error "class folder 'grey' holds no images"
    ;;
  images_sizes)
    train --data "$data/images-sizes" --validation-size 0; status=$?
    expect_error "$data/images-sizes/dark/big.png: image is 5x4" "on-size-mismatch=resize"
    ;;
  images_resized)
    train --data "$data/images-sizes,on-size-mismatch=resize" --validation-size 0 \
      --model-config '{"in_features":16,"num_classes":2}'
    [ $? -eq 0 ] || fail "exit status: $(cat "$run/err")"
    expect_report parameters=37506
    ;;
  missing)
    train --data /nonexistent/my-mnist; status=$?
    expect_error "unknown dataset '/nonexistent/my-mnist'; valid datasets: fashion-mnist" \
      "no file or directory '/nonexistent/my-mnist' exists"
    ;;
  model_mismatch)
    train --data "$data/table.csv" --validation-size 8; status=$?
    expect_error "model mlp takes inputs of shape [784] (784 values)" "have shape [4] (4 values)" \
      "--model-config '{\"in_features\":4,\"num_classes\":3}'"
    ;;
  class_mismatch)
    train --data "$data/idx" --validation-size 8 --model-config '{"in_features":16}'; status=$?
    expect_error "model mlp has 10 outputs (num_classes), but $data/idx has 2 classes (0, 1)"
    ;;
  *) fail "unknown case" ;;
esac
echo "ok [$case]"
