"""Soak test of checkpoint/resume: `cajal train mlp` runs interrupted by SIGINT or SIGKILL at random
moments, resumed until they finish, must end bit-identical to an uninterrupted run.

    train_kills.py CAJAL WORKDIR [--trials N] [--seed S] [--steps M] [--epochs E]

One reference run (SGD with momentum, E epochs of M steps on Fashion-MNIST, one thread) gives the
reference checkpoint, the run's wall time T and the moment C its first checkpoint appeared. Each
trial then starts the same run and, up to twice, interrupts it after a delay drawn uniformly from
[0, 0.8 T) (startup and data loading included) or, two times in three, from [C, 0.8 T) (training):
SIGINT (the trainer saves a mid-epoch checkpoint and stops) or SIGKILL (nothing saved; the last
end-of-epoch checkpoint, written atomically, survives), each with probability 1/2. After an
interruption the run resumes from its checkpoint with --resume, or starts again when none was
written yet; the last leg runs to the end. The trial's final checkpoint must equal the reference in
every model tensor, every optimizer tensor and every step loss, exactly (0 ulp).

The delays and signals come from numpy's default_rng(seed) (printed; --seed reproduces a run).
Exit 1 when a trial differs; 77 (skipped) without the Fashion-MNIST package.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

import cajal


def have_fashion_mnist():
    d = "/usr/share/datasets/fashion-mnist"
    return any(os.path.exists(f"{d}/train-images-idx3-ubyte{ext}") for ext in ("", ".gz"))


def train_args(cajal_bin, out, epochs, steps):
    return [cajal_bin, "train", "mlp", "--data", "fashion-mnist", "--epochs", str(epochs), "--max-steps-per-epoch",
            str(steps), "--batch-size", "64", "--validation-size", "500", "--threads", "1", "--optimizer", "sgd",
            "--lr", "0.05", "--momentum", "0.9", "--seed", "7", "--json", "--out", out]


def checkpoint_tensors(path):
    """Every tensor of a checkpoint as float64 NumPy arrays, and its step losses."""
    c = cajal.load_checkpoint(path)
    out = {f"model/{k}": v.numpy() for k, v in c["model"].items()}
    opt = c["optimizer"]
    tensors = opt[0] if isinstance(opt, tuple) else opt
    for k, v in tensors.items():
        out[f"optimizer/{k}"] = v.numpy()
    return out, np.array(c["metadata"]["step_losses"]), (c["epoch"], c["step"])


def differences(ref, got):
    """Names of the tensors that differ in any bit (NaN equal to NaN), and a step-loss verdict."""
    (rt, rl, rpos), (gt, gl, gpos) = ref, got
    bad = sorted(set(rt) ^ set(gt))
    bad += [k for k in sorted(set(rt) & set(gt)) if rt[k].shape != gt[k].shape or
            rt[k].tobytes() != gt[k].tobytes()]
    if rl.shape != gl.shape or rl.tobytes() != gl.tobytes():
        bad.append(f"step_losses ({rl.shape[0]} vs {gl.shape[0]} steps)")
    if rpos != gpos:
        bad.append(f"epoch/step {rpos} vs {gpos}")
    return bad


def legs_interrupted(out):
    """Whether the run in `out` stopped early: its checkpoint is not at the end of the last epoch
    (a SIGINT whose process exited 0 had been caught by the trainer, which saved and stopped)."""
    ckpt = os.path.join(out, "checkpoint.safetensors")
    if not os.path.exists(ckpt):
        return True
    c = cajal.load_checkpoint(ckpt)
    return c["step"] != 0 or c["epoch"] != c["metadata"]["epochs"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cajal")
    ap.add_argument("work")
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--seed", type=int, default=None, help="default: drawn from the clock, printed")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=4)
    args = ap.parse_args()
    if not have_fashion_mnist():
        print("SKIP: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
        sys.exit(77)
    seed = args.seed if args.seed is not None else int(time.time()) % 1000000
    rng = np.random.default_rng(seed)
    print(f"train kills: seed {seed}", flush=True)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)

    ref_dir = os.path.join(args.work, "reference")
    t0 = time.time()
    p = subprocess.Popen(train_args(args.cajal, ref_dir, args.epochs, args.steps), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    first_checkpoint = None  # when the first end-of-epoch checkpoint appeared: training has begun
    while p.poll() is None:
        if first_checkpoint is None and os.path.exists(os.path.join(ref_dir, "checkpoint.safetensors")):
            first_checkpoint = time.time() - t0
        time.sleep(0.01)
    if p.returncode != 0:
        sys.exit(f"the reference run failed (exit status {p.returncode})")
    ref_seconds = time.time() - t0
    if first_checkpoint is None:
        first_checkpoint = 0.5 * ref_seconds
    ref = checkpoint_tensors(os.path.join(ref_dir, "checkpoint.safetensors"))

    kills = {"SIGINT": 0, "SIGKILL": 0}
    resumed_from_checkpoint, restarted, failures = 0, 0, []
    for trial in range(args.trials):
        out = os.path.join(args.work, f"trial{trial}")
        ckpt = os.path.join(out, "checkpoint.safetensors")
        interruptions = int(rng.integers(1, 3))
        legs = []
        while True:
            cmd = train_args(args.cajal, out, args.epochs, args.steps)
            if os.path.exists(ckpt):
                cmd += ["--resume", ckpt]
            # SIGINT as a terminal's Ctrl-C delivers it: a soak started in the background (nohup,
            # `&` in a script) would pass its ignored SIGINT on to the trainer.
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
            if len(legs) < interruptions:
                # A third anywhere (startup and data loading included), two thirds once training
                # runs (after the reference's first checkpoint), where resuming has most to restore.
                lo = 0.0 if rng.random() < 1 / 3 else first_checkpoint
                delay = float(rng.uniform(lo, 0.8 * ref_seconds))
                sig = signal.SIGINT if rng.random() < 0.5 else signal.SIGKILL
                try:
                    p.wait(timeout=delay)
                except subprocess.TimeoutExpired:
                    p.send_signal(sig)
                rc = p.wait()
                if rc == 0 and sig == signal.SIGKILL or rc == 0 and not legs_interrupted(out):
                    legs.append(f"finished before {sig.name}@{delay:.2f}s")
                    continue  # the next leg resumes a finished run: it must change nothing
                kills[sig.name] += 1
                saved = os.path.exists(ckpt)
                resumed_from_checkpoint += saved
                restarted += not saved
                legs.append(f"{sig.name}@{delay:.2f}s (rc {rc}, {'checkpoint' if saved else 'no checkpoint yet'})")
                continue
            rc = p.wait()
            legs.append(f"to the end (rc {rc})")
            break
        bad = ["final leg failed"] if rc != 0 else differences(ref, checkpoint_tensors(ckpt))
        print(f"trial {trial}: {' -> '.join(legs)}: {'identical' if not bad else 'DIFFERS: ' + ', '.join(bad[:5])}",
              flush=True)
        if bad:
            failures.append(trial)
    total = sum(kills.values())
    print(f"train kills: {args.trials} trials, {total} interruptions ({kills['SIGINT']} SIGINT, {kills['SIGKILL']} "
          f"SIGKILL; {resumed_from_checkpoint} resumed from a checkpoint, {restarted} restarted), "
          f"{args.trials - len(failures)} of {args.trials} bit-identical to the uninterrupted run "
          f"({args.epochs} x {args.steps} steps, {ref_seconds:.1f} s); seed {seed}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
