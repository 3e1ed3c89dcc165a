#!/usr/bin/env python3
"""Brian2 reference spike times for cajal's neuro tests (Brian2 is a test oracle only).

Runs the Hodgkin-Huxley model of include/cajal/neuro/hh.h in Brian2 (Debian python3-brian, numpy
code-generation target) with the same parameters, input and integrators, and the LIF neuron in the
notes' dimensionless form, then writes tests/neuro/data/brian2_reference.json. Re-run it after
changing the models:  /usr/bin/python3 scripts/neuro_brian2_reference.py
"""
import json
import os
import sys

import brian2 as b2
from brian2 import mV, ms, uF, uA, msiemens, cm, second

b2.prefs.codegen.target = "numpy"
b2.prefs.logging.console_log_level = "ERROR"

HH_EQS = """
dv/dt = (I - gl*(v - El) - gna*m**3*h*(v - ENa) - gk*n**4*(v - EK)) / Cm : volt
dm/dt = alpham*(1 - m) - betam*m : 1
dh/dt = alphah*(1 - h) - betah*h : 1
dn/dt = alphan*(1 - n) - betan*n : 1
alpham = 0.1/mV*(v + 40*mV) / (1 - exp(-(v + 40*mV)/(10*mV))) / ms : Hz
betam = 4*exp(-(v + 65*mV)/(18*mV)) / ms : Hz
alphah = 0.07*exp(-(v + 65*mV)/(20*mV)) / ms : Hz
betah = 1/(1 + exp(-(v + 35*mV)/(10*mV))) / ms : Hz
alphan = 0.01/mV*(v + 55*mV) / (1 - exp(-(v + 55*mV)/(10*mV))) / ms : Hz
betan = 0.125*exp(-(v + 65*mV)/(80*mV)) / ms : Hz
I = I_step * int(t >= onset) : amp/meter**2
I_step : amp/meter**2
"""

# The resting state of cajal's hh_rest() (V = -65.0 mV to 1e-3, gates at steady state); written
# here as computed by the same bisection so both simulators start from the same point.
def hh_rest():
    import math

    def xo(x):
        return 1 + x / 2 if abs(x) < 1e-7 else x / -math.expm1(-x)

    def gates(v):
        am, bm = xo((v + 40) / 10), 4 * math.exp(-(v + 65) / 18)
        ah, bh = 0.07 * math.exp(-(v + 65) / 20), 1 / (1 + math.exp(-(v + 35) / 10))
        an, bn = 0.1 * xo((v + 55) / 10), 0.125 * math.exp(-(v + 65) / 80)
        return am / (am + bm), ah / (ah + bh), an / (an + bn)

    def cur(v):
        m, h, n = gates(v)
        return 0.3 * (v + 54.387) + 120 * m**3 * h * (v - 50) + 36 * n**4 * (v + 77)

    lo, hi = -90.0, -50.0
    for _ in range(200):
        if hi - lo <= 1e-13:
            break
        mid = 0.5 * (lo + hi)
        if cur(mid) < 0:
            lo = mid
        else:
            hi = mid
    v = 0.5 * (lo + hi)
    return v, gates(v)


def run_hh(method, dt_ms, amp, onset_ms, duration_ms):
    b2.start_scope()
    b2.defaultclock.dt = dt_ms * ms
    ns = dict(Cm=1 * uF / cm**2, gl=0.3 * msiemens / cm**2, gna=120 * msiemens / cm**2,
              gk=36 * msiemens / cm**2, El=-54.387 * mV, ENa=50 * mV, EK=-77 * mV, onset=onset_ms * ms)
    g = b2.NeuronGroup(1, HH_EQS, method=method, threshold="v > -20*mV", refractory="v > -20*mV",
                       namespace=ns)
    v0, (m0, h0, n0) = hh_rest()
    g.v = v0 * mV
    g.m, g.h, g.n = m0, h0, n0
    g.I_step = amp * uA / cm**2
    sm = b2.SpikeMonitor(g)
    b2.run(duration_ms * ms)
    return [float(t / ms) for t in sm.t]


def run_lif(v_in, tau_ms, tref_ms, dt_ms, duration_ms):
    b2.start_scope()
    b2.defaultclock.dt = dt_ms * ms
    g = b2.NeuronGroup(1, "dv/dt = (v_in - v) / tau : 1 (unless refractory)", threshold="v > 1", reset="v = 0",
                       refractory=tref_ms * ms, method="exact",
                       namespace=dict(v_in=v_in, tau=tau_ms * ms))
    sm = b2.SpikeMonitor(g)
    b2.run(duration_ms * ms)
    return [float(t / ms) for t in sm.t]


def main():
    out = {"brian2_version": b2.__version__, "hh": [], "lif": []}
    for method, dt in (("exponential_euler", 0.01), ("rk4", 0.01)):
        for amp in (7.0, 10.0, 20.0):
            out["hh"].append(dict(method=method, dt=dt, amplitude=amp, onset=5.0, duration=100.0,
                                  spike_times=run_hh(method, dt, amp, 5.0, 100.0)))
    for v_in in (1.5, 3.0):
        out["lif"].append(dict(v_in=v_in, tau=20.0, t_ref=2.0, dt=0.01, duration=500.0,
                               spike_times=run_lif(v_in, 20.0, 2.0, 0.01, 500.0)))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "neuro",
                                                               "data", "brian2_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path, {k: len(v) for k, v in out.items() if isinstance(v, list)})


if __name__ == "__main__":
    main()
