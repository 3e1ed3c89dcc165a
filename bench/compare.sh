#!/usr/bin/env bash
# Side-by-side benchmark of cajal against PyTorch on the workloads of ../shared/bench/WORKLOADS.md,
# then one markdown table (bench/summarize.py), also written into docs/PERFORMANCE.md.
#
#   bash bench/compare.sh BUILD_DIR            (what `make bench` runs)
#
# Environment (all optional):
#   WORKLOADS   workloads to run; default "gemm mlp" plus every other one `cajal bench --list` marks available
#   RUNS        separate processes per configuration (default 3; figures are medians over them)
#   STEPS       pass --steps N to both sides: a quick smoke run whose records say standard: false
#   MICRO=0     skip the micro-benchmarks (cajal_bench and bench/torch_overhead.py)
#   DOC         the document to regenerate (default docs/PERFORMANCE.md; DOC= writes nothing)
#   SECTION     which generated section of DOC to replace (default "main")
#   OPENBLAS_CORETYPE and the OpenMP/OpenBLAS variables pass through to cajal and torch alike.
#
# Per workload the runs are INTERLEAVED, cajal / torch default / torch best / cajal / ..., so slow
# drifts of a shared machine hit every configuration alike. "torch default" is the script with no
# environment variables. "torch best" is the threading environment WORKLOADS.md section 3 names
# for that workload, plus the OpenBLAS kernels cajal runs with: Debian's OpenBLAS 0.3.21 falls back
# to its SSE3 "Prescott" kernels on CPUs newer than itself, and the cajal binaries then re-execute
# themselves with OPENBLAS_CORETYPE=SkylakeX/Haswell (src/core/blas_env.cpp); torch, which loads
# the same library, gets the same OPENBLAS_CORETYPE in its best environment. When the best
# environment is the default one (gemm, conv on a CPU OpenBLAS knows), it is run once per round.
# Raw records go to BUILD_DIR/bench-results/.
set -euo pipefail

BUILD=${1:-build}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
SHARED_BENCH=${SHARED_BENCH:-$REPO/../shared/bench}
TORCH_REF=$SHARED_BENCH/torch_reference.py
PY=/usr/bin/python3
CAJAL=$BUILD/cajal
RUNS=${RUNS:-3}
MICRO=${MICRO:-1}
STEP_ARGS=${STEPS:+--steps $STEPS}
DOC=${DOC-$REPO/docs/PERFORMANCE.md}
SECTION=${SECTION:-main}

[ -x "$CAJAL" ] || { echo "compare.sh: $CAJAL not found; build first (make build BUILD=$BUILD)" >&2; exit 2; }
[ -f "$TORCH_REF" ] || { echo "compare.sh: $TORCH_REF not found (expected the repo's ../shared/bench)" >&2; exit 2; }

WORKLOADS_FROM_USER=${WORKLOADS:-}
if [ -z "$WORKLOADS_FROM_USER" ]; then
  WORKLOADS="gemm mlp"
  for w in $("$CAJAL" bench --list | awk '$2 == "available" { print $1 }'); do
    case " $WORKLOADS " in *" $w "*) ;; *) WORKLOADS="$WORKLOADS $w" ;; esac
  done
fi

# The OpenBLAS kernels each side gets: what OpenBLAS detects (torch default), and what cajal runs
# with after its re-execution (OPENBLAS_VERBOSE=2 prints "Core: NAME" at each library load).
cores=$(OPENBLAS_VERBOSE=2 "$CAJAL" bench --list 2>&1 | sed -n 's/^Core: //p')
DETECTED_CORE=$(printf '%s\n' "$cores" | head -n 1)
CAJAL_CORE=$(printf '%s\n' "$cores" | tail -n 1)
CORE_ENV=""
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -n "$CAJAL_CORE" ] && [ "$CAJAL_CORE" != "$DETECTED_CORE" ]; then
  CORE_ENV="OPENBLAS_CORETYPE=$CAJAL_CORE"
fi

# The torch environment of the "best" anchor (WORKLOADS.md section 3): "ENV=VALUE ... | extra args";
# empty when it is the default environment.
torch_best() {
  local envs="" args=""
  case $1 in
    mlp | gpt) envs="OMP_WAIT_POLICY=passive" ;;
    lenet) envs="OPENBLAS_NUM_THREADS=1" ;;
    charlstm) args="--threads 1" ;;
  esac
  envs="$envs${CORE_ENV:+ $CORE_ENV}"
  envs=${envs# }
  if [ -n "$envs$args" ]; then echo "$envs | $args"; fi
}

# The torch side of a workload: torch_reference.py for those of WORKLOADS.md, our own script for
# the workloads the issues added (resnet: bench/resnet_torch.py).
torch_script() {
  case $1 in
    resnet) echo "$HERE/resnet_torch.py" ;;
    *) echo "$TORCH_REF $1" ;;
  esac
}

OUT_DIR=$BUILD/bench-results
mkdir -p "$OUT_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$OUT_DIR/results-$STAMP.tsv
: >"$RESULTS"

# record CONFIG JSON_LINE_OR_ERROR
record() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS"; }

# run_one CONFIG ENV_ASSIGNMENTS -- COMMAND...: runs a command that prints one JSON line.
run_one() {
  local config=$1 envs=$2
  shift 3
  local out rc=0
  out=$(env $envs "$@" 2>"$OUT_DIR/last-stderr.txt") || rc=$?
  local line
  line=$(printf '%s\n' "$out" | grep '^{' | tail -n 1 || true)
  if [ -z "$line" ]; then
    line=$($PY -c 'import json,sys; print(json.dumps({"error": sys.argv[1]}))' \
      "exit $rc: $(tail -c 400 "$OUT_DIR/last-stderr.txt" | tr '\n' ' ')")
  fi
  record "$config" "$line"
  printf '  %-14s %s\n' "$config" "$(printf '%s' "$line" | cut -c1-150)"
  return 0
}

record meta "$($PY -c 'import json,os,sys; print(json.dumps({"loadavg_start": open("/proc/loadavg").read().split()[:3], "runs": int(sys.argv[1]), "workloads": sys.argv[2], "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "")}))' "$RUNS" "$WORKLOADS")"
echo "compare.sh: workloads [$WORKLOADS], $RUNS interleaved runs each; records in $RESULTS"

if [ -n "$CORE_ENV" ]; then
  echo "compare.sh: OpenBLAS detects '$DETECTED_CORE' kernels here; cajal re-executes itself with '$CAJAL_CORE';"
  echo "            torch best runs with $CORE_ENV, torch default with '$DETECTED_CORE'."
fi
record meta "$($PY -c 'import json,sys; print(json.dumps({"openblas_detected_core": sys.argv[1], "cajal_core": sys.argv[2], "core_env": sys.argv[3]}))' "$DETECTED_CORE" "$CAJAL_CORE" "$CORE_ENV")"

if [ -x "$BUILD/bench/peak_fma" ]; then
  echo "peak_fma"
  for r in $(seq "$RUNS"); do run_one peak_fma "" -- "$BUILD/bench/peak_fma" --threads 2; done
fi

if [ -x "$BUILD/bench/rss_floor" ] && [[ " $WORKLOADS " == *" gemm "* ]]; then
  echo "rss_floor"
  # shellcheck disable=SC2086  # CORE_ENV is one VAR=value word or empty
  for r in $(seq "$RUNS"); do run_one rss-floor "$CORE_ENV OMP_NUM_THREADS=2" -- "$BUILD/bench/rss_floor"; done
fi

for w in $WORKLOADS; do
  echo "$w"
  if ! "$CAJAL" bench --list | awk -v w="$w" '$1 == w && $2 == "available" { found = 1 } END { exit !found }'; then
    run_one cajal "" -- "$CAJAL" bench "$w" --json
    echo "  (cajal cannot run $w yet: torch runs skipped)"
    continue
  fi
  best=$(torch_best "$w")
  best_env=${best%%|*}
  best_args=${best#*|}
  record meta "$($PY -c 'import json,sys; print(json.dumps({"torch_best_env": {sys.argv[1]: " ".join(sys.argv[2].split()) or "default env"}}))' "$w" "$best_env $best_args")"
  for r in $(seq "$RUNS"); do
    # shellcheck disable=SC2086  # the flags word-split on purpose
    run_one cajal "" -- "$CAJAL" bench "$w" --json $STEP_ARGS
    run_one torch-default "" -- $PY $(torch_script "$w") --json $STEP_ARGS
    if [ -n "$best" ]; then
      run_one torch-best "$best_env" -- $PY $(torch_script "$w") --json $best_args $STEP_ARGS
    fi
  done
done

MICRO_JSON=""
if [ "$MICRO" = 1 ] && [ -x "$BUILD/bench/cajal_bench" ]; then
  echo "micro-benchmarks"
  MICRO_JSON=$OUT_DIR/micro-$STAMP.json
  "$BUILD/bench/cajal_bench" --benchmark_format=json --benchmark_min_time=0.3 >"$MICRO_JSON" 2>"$OUT_DIR/last-stderr.txt" ||
    echo "  cajal_bench failed: $(tail -c 300 "$OUT_DIR/last-stderr.txt")"
  run_one torch-overhead "" -- $PY "$HERE/torch_overhead.py" --threads 2
fi

record meta "$($PY -c 'import json; print(json.dumps({"loadavg_end": open("/proc/loadavg").read().split()[:3]}))')"

COMMAND="bash bench/compare.sh $BUILD"
[ -n "${WORKLOADS_FROM_USER:-}" ] && COMMAND="WORKLOADS=\"$WORKLOADS\" $COMMAND"
[ -n "${STEPS:-}" ] && COMMAND="STEPS=$STEPS $COMMAND"
[ "$RUNS" != 3 ] && COMMAND="RUNS=$RUNS $COMMAND"
[ -n "${OPENBLAS_CORETYPE:-}" ] && COMMAND="OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE $COMMAND"
[ "$SECTION" != main ] && COMMAND="SECTION=$SECTION $COMMAND"
$PY "$HERE/summarize.py" "$RESULTS" ${MICRO_JSON:+--micro "$MICRO_JSON"} ${DOC:+--doc "$DOC"} --section "$SECTION" --command "$COMMAND"
