#!/bin/sh
# Data-parallel scaling on this host (docs/PERFORMANCE.md "Data-parallel training", docs/SCALING.md):
# the mlp and lenet workloads' models trained by `cajal train` for 300 steps of global batch 64 at
#   1 rank x 1 thread, 2 ranks x 1 thread (--distributed), 1 rank x 2 threads,
# the allreduce cost against message size, and ResNet-18's compute time per step (the model's input).
#   sh bench/scaling.sh [BUILD_DIR]     (run on an idle machine: it measures time)
set -e
build=${1:-build}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
out=$(mktemp -d)
run() {  # label, command...
  label=$1; shift
  "$@" --epochs 1 --max-steps-per-epoch 300 --batch-size 64 --validation-size 0 --json --out "$out/run" 2>/dev/null |
    tail -1 | /usr/bin/python3 -c "import json,sys; r=json.loads(sys.stdin.read()); print('$label', json.dumps({k: r.get(k) for k in ('samples_per_second','sync_wait_ms_per_step','sync_bytes_per_step','sync_buckets_overlapped','sync_buckets')}))"
}
for model in mlp lenet5; do
  run "$model 1x1" $build/cajal train $model --threads 1
  run "$model 2x1" mpirun -np 2 $build/cajal train $model --threads 1 --distributed
  run "$model 1x2" $build/cajal train $model --threads 2
done
mpirun -np 2 $build/bench/allreduce_cost
PYTHONPATH=$build/python /usr/bin/python3 - <<'PY'
import time, cajal
cajal.set_num_threads(2)
m = cajal.models.resnet18()
opt = cajal.optim.SGD(m.parameters(), lr=0.01)
x = cajal.randn(32, 3, 224, 224); y = cajal.randint(0, 1000, (32,))
times = []
for i in range(4):
    t0 = time.perf_counter()
    opt.zero_grad(); cajal.nn.functional.cross_entropy(m(x), y).backward(); opt.step()
    times.append(time.perf_counter() - t0)
print("resnet18 batch 32 ms/step", 1e3 * sorted(times[1:])[1])
PY
rm -rf "$out"
