#!/usr/bin/python3
"""The torch side of cajal's `resnet` workload (bench/workloads/resnet.cpp; not in WORKLOADS.md v1).

    /usr/bin/python3 bench/resnet_torch.py [--steps N] [--threads T] [--json]

ResNet-18 from torchvision adapted to 1x28x28 Fashion-MNIST: conv1 becomes a 3x3 stride-1 conv of
1 -> 64 channels (kaiming normal, fan_out, as torchvision initialises every conv), no max-pool,
10 classes (11,172,810 parameters). Batch 64 in the order of torch.randperm(60000) seeded with
--seed, x = pixel / 255, SGD lr 0.01 momentum 0.9, batch norm in training mode; 3 untimed warm-up
steps, then 50 timed steps, each (batch gather, forward, cross-entropy, backward, update,
loss.item()) timed on its own. Prints one JSON record with the keys torch_reference.py prints.
"""
import time

T_PROCESS_START = time.perf_counter()

import argparse
import json
import os
import statistics
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench"))
import torch_reference as ref  # noqa: E402  (data loading, RSS, BLAS name: the workloads' own helpers)

WARMUP, TIMED, BATCH = 3, 50, 64


def resnet18_fmnist():
    model = torchvision.models.resnet18(num_classes=10)
    model.conv1 = nn.Conv2d(1, 64, kernel_size=3, stride=1, padding=1, bias=False)
    nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
    model.maxpool = nn.Identity()
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=None, help="timed steps (standard 50)")
    ap.add_argument("--threads", type=int, default=ref.THREADS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rss_after_import = ref.peak_rss_mib()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x_train, y_train = ref.load_fashion_mnist("train")
    x_train = x_train.reshape(-1, 1, 28, 28)
    model = resnet18_fmnist()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    order = torch.randperm(x_train.shape[0], generator=torch.Generator().manual_seed(args.seed))
    timed = args.steps or TIMED
    rss_before = ref.peak_rss_mib()

    t_run = time.perf_counter()
    model.train()
    step_s, losses = [], []
    for step in range(WARMUP + timed):
        t0 = time.perf_counter()
        idx = order[step * BATCH:(step + 1) * BATCH]
        loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if step >= WARMUP:
            step_s.append(time.perf_counter() - t0)
    train_s = sum(step_s)
    record = {
        "workload": "resnet", "impl": f"pytorch-{torch.__version__}", "threads": torch.get_num_threads(),
        "seed": args.seed, "standard": args.steps is None and args.threads == ref.THREADS,
        "steps": timed, "warmup_steps": WARMUP, "batch": BATCH, "params": ref.n_params(model),
        "train_s": round(train_s, 3), "ms_per_step": round(statistics.median(step_s) * 1e3, 2),
        "samples_per_s": round(timed * BATCH / train_s, 1),
        "loss_first": round(losses[0], 4), "loss_last10": round(sum(losses[-10:]) / len(losses[-10:]), 4),
        "rss_before_train_mib": round(rss_before, 1),
        "workload_wall_s": round(time.perf_counter() - t_run, 3),
        "script_wall_s": round(time.perf_counter() - T_PROCESS_START, 3),
        "rss_after_import_mib": round(rss_after_import, 1), "peak_rss_mib": round(ref.peak_rss_mib(), 1),
        "blas": ref.blas_library(), "env": {k: os.environ[k] for k in ref.THREAD_ENV_VARS if k in os.environ},
    }
    if args.json:
        print(json.dumps(record), flush=True)
    else:
        for k, v in record.items():
            print(f"{k:>26}: {v}")


if __name__ == "__main__":
    main()
