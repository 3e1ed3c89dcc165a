"""Compares two `cajal train` checkpoints: every step loss and every model tensor.

usage: compare_runs.py A.safetensors B.safetensors [--loss-rtol R] [--param-atol A]
Exits 1, naming the worst difference, when they differ by more than the tolerances.
"""
import argparse
import sys

import numpy as np

import cajal


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--loss-rtol", type=float, default=1e-4)
    ap.add_argument("--param-atol", type=float, default=1e-4)
    args = ap.parse_args()
    a, b = cajal.load_checkpoint(args.a), cajal.load_checkpoint(args.b)
    la = np.array(a["metadata"]["step_losses"])
    lb = np.array(b["metadata"]["step_losses"])
    if la.shape != lb.shape:
        sys.exit(f"step counts differ: {la.shape[0]} vs {lb.shape[0]}")
    loss_diff = np.max(np.abs(la - lb) / np.abs(la))
    ok = loss_diff <= args.loss_rtol
    worst_name, worst = "", 0.0
    for name, ta in a["model"].items():
        if name not in b["model"]:
            sys.exit(f"{args.b} lacks {name}")
        d = float(np.max(np.abs(ta.numpy().astype(np.float64) - b["model"][name].numpy().astype(np.float64)), initial=0))
        if d > worst:
            worst_name, worst = name, d
    ok = ok and worst <= args.param_atol
    print(f"{la.shape[0]} steps: loss rel. diff max {loss_diff:.3g} (tol {args.loss_rtol}), "
          f"parameter abs. diff max {worst:.3g} at {worst_name or '-'} (tol {args.param_atol}); "
          f"first/last loss {la[0]:.6f}/{la[-1]:.6f} vs {lb[0]:.6f}/{lb[-1]:.6f}")
    print("MATCH" if ok else "DIFFER")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
