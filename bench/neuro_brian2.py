#!/usr/bin/env python3
"""The `neuro` workload (bench/workloads/neuro.cpp) in Brian2, for the side-by-side figures of
docs/PERFORMANCE.md: 10,000 LIF neurons (tau 20 ms, threshold 1, reset 0, refractory 2 ms), 1%
random recurrent synapses (80% excitatory w = +0.01, 20% inhibitory w = -0.05, delta jumps on
non-refractory targets), 100 Poisson inputs at 10 Hz per neuron (w = 0.05), 1 s at dt = 0.1 ms,
spikes recorded. One JSON line per code-generation target.

    /usr/bin/python3 bench/neuro_brian2.py [numpy] [cython] [cpp_standalone]

Wall time is the network's run() (for cpp_standalone: the compiled binary's run, from Brian2's
own profiling of the run, plus the build reported apart). Peak RSS is the process's (a fresh
process per target: each target is run by re-invoking this script).
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def run(target):
    import brian2 as b2
    from brian2 import Hz, ms

    b2.prefs.logging.console_log_level = "ERROR"
    build_dir = None
    if target == "cpp_standalone":
        build_dir = tempfile.mkdtemp(prefix="cajal_neuro_b2_")
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    else:
        b2.prefs.codegen.target = target
    b2.seed(13)
    b2.defaultclock.dt = 0.1 * ms
    n = 10000
    g = b2.NeuronGroup(n, "dv/dt = -v / (20*ms) : 1 (unless refractory)", threshold="v > 1", reset="v = 0",
                       refractory=2 * ms, method="exact")
    s = b2.Synapses(g, g, "w : 1", on_pre="v_post += w * int(not_refractory_post)")
    s.connect(p=0.01)
    s.w = "0.01 * int(i < 8000) - 0.05 * int(i >= 8000)"
    inp = b2.PoissonInput(g, "v", N=100, rate=10 * Hz, weight=0.05)
    mon = b2.SpikeMonitor(g)
    net = b2.Network(g, s, inp, mon)
    t0 = time.perf_counter()
    net.run(1000 * ms)
    build_s = None
    if target == "cpp_standalone":
        tb = time.perf_counter()
        b2.device.build(directory=build_dir, compile=True, run=True, debug=False)
        build_and_run = time.perf_counter() - tb
        run_s = float(b2.device._last_run_time)
        build_s = build_and_run - run_s
    else:
        run_s = time.perf_counter() - t0
    spikes = int(mon.num_spikes)
    rec = {"workload": "neuro", "impl": f"brian2-{target}", "brian2": b2.__version__, "neurons": n,
           "synapses": int(len(s)), "spikes": spikes, "mean_rate_hz": round(spikes / n, 3),
           "sim_wall_s": round(run_s, 4), "spikes_per_wall_s": round(spikes / run_s, 1),
           "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if build_s is not None:
        rec["build_s"] = round(build_s, 2)
    print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    targets = sys.argv[1:] or ["numpy", "cython", "cpp_standalone"]
    if len(targets) == 1:
        run(targets[0])
    else:
        for t in targets:  # one process per target: separate peak RSS, no shared state
            subprocess.run([sys.executable, os.path.abspath(__file__), t], check=False)
