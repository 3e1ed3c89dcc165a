"""The scaling model of docs/SCALING.md: data-parallel steps on p ranks when the gradients are
averaged by a ring allreduce.

    t_comm(p) = 2 (p - 1) * alpha  +  2 (p - 1) / p * bytes / beta
    t_step(p) = t_compute + max(0, t_comm(p) - overlap * t_backward)
    speedup(p) = p * t_compute / t_step(p)        (weak scaling: the per-rank batch is fixed)

alpha: per-message latency of one ring step, beta: link bandwidth, bytes: float32 gradient bytes,
t_backward = 2/3 of t_compute (backward costs about twice forward), overlap: the share of backward
that bucketed reductions can hide (0: none, 1: all; cajal's DDP launches each bucket as soon as
its gradients are complete, so the measured share is buckets launched during backward / all).

usage: python3 bench/scaling_model.py [--json]   (inputs below; edit them when you re-measure)
"""
import json
import sys

# Measured compute time per step (ms) of one rank, and the parameter count.
MODELS = [
    # name, parameters, ms/step, where the time comes from
    ("mlp", 235_146, 0.50, "cajal bench mlp, 2 threads (docs/PERFORMANCE.md)"),
    ("resnet18", 11_689_512, None, "cajal ResNet-18, batch 32 at 224x224, 2 threads (bench/scaling.sh)"),
    ("gpt", 818_241, 146.1, "PyTorch best environment, ANCHORS.md (cajal's gpt workload is not built yet)"),
]
NETWORKS = [("10 Gbit/s TCP", 10e9 / 8, 25e-6), ("100 Gbit/s RDMA", 100e9 / 8, 3e-6)]
RANKS = [8, 16, 32, 64, 128, 256]
OVERLAP = 0.0  # the pessimistic column; the optimistic one uses 1.0


def step_ms(compute_ms, params, p, beta, alpha, overlap):
    nbytes = 4 * params
    comm = 2 * (p - 1) * alpha + 2 * (p - 1) / p * nbytes / beta
    backward = compute_ms / 1e3 * 2 / 3
    return compute_ms + 1e3 * max(0.0, comm - overlap * backward), 1e3 * comm


def table(models):
    rows = []
    for name, params, ms, _ in models:
        if ms is None:
            continue
        for net, beta, alpha in NETWORKS:
            for p in RANKS:
                none, comm = step_ms(ms, params, p, beta, alpha, 0.0)
                full, _ = step_ms(ms, params, p, beta, alpha, 1.0)
                rows.append({"model": name, "network": net, "ranks": p, "compute_ms": ms, "allreduce_ms": comm,
                             "efficiency_no_overlap": ms / none, "efficiency_full_overlap": ms / full})
    return rows


def main():
    models = MODELS
    if len(sys.argv) > 2 and sys.argv[1] == "--resnet-ms":
        models = [(n, p, float(sys.argv[2]) if n == "resnet18" else ms, w) for n, p, ms, w in MODELS]
    rows = table(models)
    if "--json" in sys.argv:
        print(json.dumps(rows))
        return
    print("| model | network | ranks | compute ms/step | allreduce ms | efficiency, no overlap | efficiency, full overlap |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['model']} | {r['network']} | {r['ranks']} | {r['compute_ms']:.1f} | {r['allreduce_ms']:.2f} | "
              f"{100 * r['efficiency_no_overlap']:.0f}% | {100 * r['efficiency_full_overlap']:.0f}% |")


if __name__ == "__main__":
    main()
