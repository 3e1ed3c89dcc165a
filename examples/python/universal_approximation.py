"""The notes' universal approximation construction in Python: G(x) = sum_j f(a_j) P(x; b_j, delta)
as a one-hidden-layer cajal network whose weights are computed, not trained
(the C++ version with the 2-D towers and a plot: `cajal examples universal_approximation`).

    PYTHONPATH=build/python /usr/bin/python3 examples/python/universal_approximation.py

A steep sigmoid(w (x - b)) is the step H(x; b); a bump P = H(x; b) - H(x; b + delta) is two hidden
units with output weights +f(a_j) and -f(a_j). For f L-Lipschitz with |f| <= M the sup error is at
most L delta / 2 + 2 ln 2 L / w + 2 M / (1 + exp(w delta / 2)) (docs/UNIVERSAL_APPROXIMATION.md).
"""
import math

import numpy as np

import cajal
import cajal.nn as nn


def bump_network(f, N, w):
    delta = 1.0 / (N - 1)
    centres = np.arange(N) * delta
    edges = np.stack([centres - delta / 2, centres + delta / 2], axis=1).reshape(-1)  # b_j, b_j + delta
    heights = np.stack([f(centres), -f(centres)], axis=1).reshape(-1)                # +f(a_j), -f(a_j)
    net = nn.Sequential(nn.Linear(1, 2 * N), nn.Sigmoid(), nn.Linear(2 * N, 1)).double()
    net.load_state_dict({"0.weight": np.full((2 * N, 1), w), "0.bias": -w * edges,
                         "2.weight": heights.reshape(1, -1), "2.bias": np.zeros(1)})
    return net


def bound(L, M, N, w):
    delta = 1.0 / (N - 1)
    return L * delta / 2 + 2 * math.log(2) * L / w + 2 * M / (1 + math.exp(w * delta / 2))


def main():
    f = lambda x: np.sin(2 * np.pi * x) + 0.5 * x  # noqa: E731
    L, M = 2 * math.pi + 0.5, 1.5
    x = np.linspace(0, 1, 10001)
    print(f"{'N':>6} {'w':>10} {'sup |G - f|':>14} {'bound':>10}")
    for N in (4, 16, 64, 256, 1024):
        w = 40.0 * (N - 1)  # w delta / 2 = 20: the sigmoids' tails are negligible
        with cajal.no_grad():
            g = bump_network(f, N, w)(cajal.from_numpy(x.reshape(-1, 1))).numpy().ravel()
        err = float(np.abs(g - f(x)).max())
        b = bound(L, M, N, w)
        assert err <= b, (N, err, b)
        print(f"{N:>6} {w:>10.0f} {err:>14.6f} {b:>10.6f}")


if __name__ == "__main__":
    main()
