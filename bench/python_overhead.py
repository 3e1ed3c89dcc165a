"""Per-op call overhead from Python on tiny tensors: cajal vs PyTorch.

Times `a + b` for two 1-element float32 tensors (plain, and with requires_grad so each call records
an autograd node), plus a few other small calls, and prints microseconds per call. Both libraries
run single-threaded (what tiny ops use anyway). Not asserted anywhere: numbers for the report.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py
"""
import timeit

import cajal
import torch

torch.set_num_threads(1)
cajal.set_num_threads(1)


def cases(L):
    a, b = L.ones(1), L.ones(1)
    ga, gb = L.ones(1, requires_grad=True), L.ones(1, requires_grad=True)
    m = L.ones(4, 4)
    return [
        ("a + b", lambda: a + b),
        ("a + b (requires_grad)", lambda: ga + gb),
        ("a * 2.0", lambda: a * 2.0),
        ("a.sum()", lambda: a.sum()),
        ("relu(m 4x4)", lambda: L.relu(m)),
        ("m @ m (4x4)", lambda: m @ m),
        ("(ga * gb).backward()", lambda: (ga * gb).backward()),
    ]


def per_call_us(fn, number=20000, repeat=5):
    fn()
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main():
    rows = list(zip(cases(cajal), cases(torch)))
    print(f"{'op':<24}{'cajal us':>10}{'torch us':>10}{'ratio':>8}")
    for (name, fc), (_, ft) in rows:
        n = 5000 if "backward" in name else 20000
        c, t = per_call_us(fc, n), per_call_us(ft, n)
        print(f"{name:<24}{c:>10.2f}{t:>10.2f}{c / t:>8.2f}")


if __name__ == "__main__":
    main()
