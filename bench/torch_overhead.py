#!/usr/bin/python3
"""PyTorch's per-op overhead from Python, the counterpart of cajal_bench's overhead and
elementwise micro-benchmarks (bench/micro/overhead.cpp, elementwise.cpp), measured the same way:

  tiny_add_nograd_ns   c = a + b on two 1-element f32 tensors, nothing requires grad
  tiny_add_grad_ns     the same with a, b requiring grad (each add records a graph node)
  chain100_fwd_bwd_us  y = x; 100 times y = y + x; y.backward()  (x 1-element, requires grad)
  <op>_gbps            add / mul / relu / exp on 1M-element contiguous f32 tensors, bytes read +
                       written per second (2 inputs + 1 output for add/mul, 1 + 1 for relu/exp),
                       beside memcpy_gbps (tensor.copy_ of the same 4 MiB: read + write)

Prints one JSON line. Threads: torch.set_num_threads(2), as torch_reference.py.
    /usr/bin/python3 torch_overhead.py [--threads N] [--seconds S]
"""
import argparse
import json
import time

import torch


def per_call_s(fn, seconds):
    """Best of 5 batches of calls, each batch about seconds/5 long: seconds per call."""
    fn()
    n = 1
    while True:  # calibrate a batch size that takes >= 10 ms
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= 0.01:
            break
        n *= 4
    n = max(1, int(n * (seconds / 5) / dt))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    s = args.seconds
    out = {"impl": f"pytorch-{torch.__version__}", "threads": torch.get_num_threads()}

    a, b = torch.ones(1), torch.ones(1)
    out["tiny_add_nograd_ns"] = round(per_call_s(lambda: a + b, s) * 1e9, 1)
    ag, bg = torch.ones(1, requires_grad=True), torch.ones(1, requires_grad=True)
    out["tiny_add_grad_ns"] = round(per_call_s(lambda: ag + bg, s) * 1e9, 1)

    x = torch.ones(1, requires_grad=True)

    def chain():
        y = x
        for _ in range(100):
            y = y + x
        y.backward()
        x.grad = None

    out["chain100_fwd_bwd_us"] = round(per_call_s(chain, s) * 1e6, 2)

    n = 1 << 20
    nbytes = n * 4
    u, v = torch.randn(n), torch.randn(n)
    dst = torch.empty(n)
    for name, fn, touched in (
        ("memcpy", lambda: dst.copy_(u), 2),
        ("add", lambda: u + v, 3),
        ("mul", lambda: u * v, 3),
        ("relu", lambda: torch.relu(u), 2),
        ("exp", lambda: torch.exp(u), 2),
    ):
        out[f"{name}_gbps"] = round(touched * nbytes / per_call_s(fn, s) / 1e9, 2)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
