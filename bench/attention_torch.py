#!/usr/bin/python3
"""The torch peer of bench/attention_bench.cpp: attention forward + backward at T = 64 .. 1024,
batch 4, 8 heads, head_dim 64, f32, 2 threads (--threads), the same table.

torch 1.13 (Debian's) has no F.scaled_dot_product_attention (it came in 2.0), so the peer is torch's
composed softmax(q k^T / sqrt(d)) v, which keeps the (T, T) weights for the backward like cajal's
composed form. Time: the median of --reps passes after 2 warm-ups. Memory: torch's CPU allocator
keeps no statistics, so the peak RSS during one pass above the RSS before it, in a fresh process
(after q, k, v and their gradient buffers exist; VmHWM reset through /proc/self/clear_refs), as
attention_bench's "rss" column.

    /usr/bin/python3 bench/attention_torch.py [--causal] [--reps N] [--threads N] [--json]
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

# As every cajal program does for itself (core/blas_env.h): no spinning OpenMP workers on a busy machine.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")
import torch  # noqa: E402

B, H, D = 4, 8, 64


def inputs(T):
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(B, H, T, D, generator=g).requires_grad_() for _ in range(3))
    return q, k, v, torch.randn(B, H, T, D, generator=g)


def attention(q, k, v, causal):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if causal:
        T = q.shape[-2]
        scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def one_pass(q, k, v, grad_out, causal):
    attention(q, k, v, causal).backward(grad_out)


def status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def rss_point(T, causal):
    q, k, v, grad_out = inputs(T)
    for t in (q, k, v):
        t.grad = torch.zeros_like(t)  # the gradients' buffers exist before the pass, as in cajal
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # VmHWM := VmRSS, so the peak read below is this pass's
    before = status_kb("VmRSS")
    one_pass(q, k, v, grad_out, causal)
    return status_kb("VmHWM") - before


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--causal", action="store_true")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rss-point", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.rss_point:
        print(rss_point(a.rss_point, a.causal))
        return
    if not a.json:
        print(f"torch {torch.__version__} composed attention fwd+bwd, B {B}, heads {H}, head_dim {D}, f32, "
              f"{'causal' if a.causal else 'no mask'}, {torch.get_num_threads()} threads, median of {a.reps}")
        print(f"{'T':>6} | {'torch ms':>10} | {'torch rss':>10}")
    for T in (64, 128, 256, 512, 1024):
        q, k, v, grad_out = inputs(T)
        for _ in range(2):
            one_pass(q, k, v, grad_out, a.causal)
        ms = []
        for _ in range(a.reps):
            for t in (q, k, v):
                t.grad = None
            t0 = time.perf_counter()
            one_pass(q, k, v, grad_out, a.causal)
            ms.append((time.perf_counter() - t0) * 1e3)
        cmd = [sys.executable, __file__, "--rss-point", str(T), "--threads", str(a.threads)] + (["--causal"] if a.causal else [])
        rss_mib = int(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout) / 1024
        med = statistics.median(ms)
        if a.json:
            print(json.dumps({"T": T, "causal": a.causal, "torch_ms": round(med, 3), "torch_rss_mib": round(rss_mib, 1)}))
        else:
            print(f"{T:>6} | {med:>10.2f} | {rss_mib:>6.1f} MiB", flush=True)


if __name__ == "__main__":
    main()
