#!/usr/bin/env bash
# `cajal train --data` and `cajal eval --data` on the datasets tests/cli/make_datasets.py writes:
# one case per call.
#   train_data.sh CAJAL DATA_DIR WORK_DIR CASE
# A training case checks the exit status, the report's numbers (parameters, test accuracy on the
# separable data, example counts) and the files; an error case checks the exit status, the message
# (path plus offset / line / column, or the name) and that the run directory was left as it was.
# An eval case trains first (sizes from the data), then evaluates the checkpoint on new data.
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

# eval ARGS...: evaluates the checkpoint train wrote; stdout in $run/eval, stderr in $run/eval.err.
ckpt() { echo "$run/out.d/checkpoint.safetensors"; }
eval_ckpt() {
  "$cajal" eval "$(ckpt)" --json --threads 1 "$@" >"$run/eval" 2>"$run/eval.err"
}

# expect_json FILE KEY=VALUE...: each key of FILE (a JSON file, or a report's last line) equals the value (numbers
# compared as numbers; a dotted key reads nested objects: model_config.in_features).
expect_json() {
  local file=$1
  shift
  /usr/bin/python3 - "$file" "$@" <<'PY' || fail "$(basename "$file"): $(tail -1 "$file")"
import json, sys
text = open(sys.argv[1]).read().strip()
try:
    report = json.loads(text)  # a JSON file (config.json)
except ValueError:
    report = json.loads(text.splitlines()[-1])  # a report: its last line
for kv in sys.argv[2:]:
    key, want = kv.split("=", 1)
    got = report
    for part in key.split("."):
        got = got.get(part) if isinstance(got, dict) else None
    ok = got == json.loads(want) if want[:1].isdigit() or want[:1] in "-[{" else got == want
    if not ok:
        sys.exit(f"{key}: expected {want}, got {got}")
PY
}
expect_report() { expect_json "$run/out" "$@"; }
expect_eval() { expect_json "$run/eval" "$@"; }

# expect_eval_error FRAGMENT...: eval exited non-zero with every fragment in stderr.
expect_eval_error() {
  [ "$status" -ne 0 ] || fail "expected a non-zero exit status, got 0: $(cat "$run/eval")"
  for frag in "$@"; do
    grep -qF -- "$frag" "$run/eval.err" || fail "stderr lacks '$frag': $(cat "$run/eval.err")"
  done
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
    # No --model-config: 4 inputs and 3 outputs come from the data, and are stored.
    train --data "$data/table.csv,label-column=species" --validation-size 8
    [ $? -eq 0 ] || fail "exit status: $(cat "$run/err")"
    expect_report parameters=$((4 * 256 + 256 + 256 * 128 + 128 + 128 * 3 + 3)) test_accuracy=1.0
    expect_json "$run/out.d/config.json" model_config.in_features=4 model_config.num_classes=3 \
      data_info.input_shape=[4] data_info.data.class_names='["setosa","versicolor","virginica"]'
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
    # An explicit size wins over the data's, so one that contradicts them is an error.
    train --data "$data/table.csv" --validation-size 8 --model-config '{"in_features":784}'; status=$?
    expect_error "model mlp takes inputs of shape [784] (784 values)" "have shape [4] (4 values)" \
      "the data fit --model-config '{\"in_features\":4,\"num_classes\":3}'"
    ;;
  class_mismatch)
    train --data "$data/idx" --validation-size 8 --model-config '{"num_classes":10}'; status=$?
    expect_error "model mlp has 10 outputs (num_classes), but $data/idx has 2 classes (0, 1)"
    ;;
  eval_csv)
    train --data "$data/table.csv" --validation-size 8 || fail "train: $(cat "$run/err")"
    # Without --data: the training run's own test split (16 of 80 rows).
    eval_ckpt || fail "eval: $(cat "$run/eval.err")"
    expect_eval examples=16 accuracy=1.0 "data=$data/table.csv"
    # New data from a shifted distribution: setosa.csv's columns are centred at 0, table.csv's near
    # 5. With table.csv's statistics its rows land where setosa was trained (all correct); with
    # statistics measured on setosa.csv itself they would be centred on versicolor.
    eval_ckpt --data "$data/setosa.csv" || fail "eval: $(cat "$run/eval.err")"
    expect_eval examples=20 accuracy=1.0 classes='["setosa","versicolor","virginica"]' \
      'confusion_matrix=[[20,0,0],[0,0,0],[0,0,0]]'
    # A fraction held out of the new data when asked.
    eval_ckpt --data "$data/setosa.csv,test-fraction=0.25" || fail "eval: $(cat "$run/eval.err")"
    expect_eval examples=5 accuracy=1.0
    ;;
  eval_idx)
    train --data "$data/idx" --validation-size 8 || fail "train: $(cat "$run/err")"
    expect_report parameters=37506 test_accuracy=1.0
    eval_ckpt --data "$data/idx" || fail "eval: $(cat "$run/eval.err")"
    expect_eval examples=16 accuracy=1.0 'classes=["0","1"]'
    ;;
  eval_images)
    train --data "$data/images" --validation-size 4 --lr 0.01 || fail "train: $(cat "$run/err")"
    expect_report parameters=37506 test_accuracy=1.0
    # A folder without a test split is evaluated whole; one holding only the bright class maps it
    # onto the checkpoint's class of that name.
    eval_ckpt --data "$data/images" || fail "eval: $(cat "$run/eval.err")"
    expect_eval examples=40 accuracy=1.0 'classes=["bright","dark"]'
    eval_ckpt --data "$data/images-bright" || fail "eval: $(cat "$run/eval.err")"
    expect_eval examples=20 accuracy=1.0 'confusion_matrix=[[20,0],[0,0]]'
    # The human report names the data and the checkpoint's classes.
    "$cajal" eval "$(ckpt)" --data "$data/images" --threads 1 >"$run/eval" 2>"$run/eval.err" ||
      fail "eval: $(cat "$run/eval.err")"
    grep -qF "$(ckpt) (mlp) on the $data/images test set: accuracy 100.00%" "$run/eval" || fail "$(cat "$run/eval")"
    grep -qE "^dark +100.00%" "$run/eval" || fail "$(cat "$run/eval")"
    ;;
  eval_shape_mismatch)
    train --data "$data/idx" --validation-size 8 || fail "train: $(cat "$run/err")"
    eval_ckpt --data "$data/table.csv"; status=$?
    expect_eval_error "the model of $(ckpt) was trained on examples of shape [1, 4, 4] (16 values, from $data/idx)" \
      "but the examples of $data/table.csv have shape [4] (4 values)"
    ;;
  eval_class_mismatch)
    train --data "$data/idx" --validation-size 8 || fail "train: $(cat "$run/err")"
    # 16 features fit the 4x4 images, but 3 classes do not fit 2 outputs.
    eval_ckpt --data "$data/wide.csv"; status=$?
    expect_eval_error "$data/wide.csv has 3 classes (labels 0 to 2), but the model of $(ckpt) has 2 (0, 1)"
    # Named classes the checkpoint does not know.
    eval_ckpt --data "$data/images"; status=$?
    expect_eval_error "$data/images: class 'bright' is not one of the training classes of the model of $(ckpt) (0, 1)"
    ;;
  eval_broken)
    train --data "$data/idx" --validation-size 8 || fail "train: $(cat "$run/err")"
    eval_ckpt --data "$data/idx-truncated"; status=$?
    expect_eval_error "$data/idx-truncated/train-images-idx3-ubyte" "truncated at byte 116"
    eval_ckpt --data /nonexistent/new-data; status=$?
    expect_eval_error "unknown dataset '/nonexistent/new-data'; valid datasets: fashion-mnist"
    eval_ckpt --data "$data/idx,normalize=standard"; status=$?
    expect_eval_error "option normalize=standard: the model of $(ckpt) was trained on data that were not normalised"
    ;;
  *) fail "unknown case" ;;
esac
echo "ok [$case]"
