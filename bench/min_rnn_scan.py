#!/usr/bin/env python3
# Usage: PYTHONPATH=build/python python3 bench/min_rnn_scan.py
# minGRU / minLSTM: parallel (one GEMM + linear_scan) vs sequential (step by step) form, float32,
# one thread, median of 7 runs, forward (no grad) and forward + backward.
import time, numpy as np, cajal
cajal.set_num_threads(1)
for name in ("MinGRU", "MinLSTM"):
    for (B, I, H) in ((4, 32, 64), (16, 64, 128)):
        m = getattr(cajal.nn, name)(I, H, batch_first=True)
        for T in (256, 1024):
            x = cajal.from_numpy(np.random.default_rng(0).standard_normal((B, T, I)).astype("float32"))
            res = {}
            for mode in ("sequential", "parallel"):
                ts_f, ts_fb = [], []
                for rep in range(7):
                    t0 = time.perf_counter()
                    with cajal.no_grad():
                        m(x, mode=mode)
                    ts_f.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    out, h = m(x, mode=mode)
                    out.sum().backward()
                    ts_fb.append(time.perf_counter() - t0)
                res[mode] = (np.median(ts_f) * 1e3, np.median(ts_fb) * 1e3)
            s, p = res["sequential"], res["parallel"]
            print(f"{name} B={B} I={I} H={H} T={T}: forward seq {s[0]:.2f} ms, par {p[0]:.2f} ms ({s[0]/p[0]:.1f}x); "
                  f"fwd+bwd seq {s[1]:.2f} ms, par {p[1]:.2f} ms ({s[1]/p[1]:.1f}x)")
