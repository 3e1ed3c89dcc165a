"""How close predictive coding's local updates are to backprop's gradients on the pc_mlp network
(784-256-128-10 ReLU, a batch of 64 random sparse images), for a few relaxation settings: the
relative error per parameter (layers.0.weight, layers.0.bias, ...), sigma_L^2 x PC update against
torch autograd of 1/2 ||y - t||^2 per example. docs/ENERGY.md quotes its output.

    PYTHONPATH=build/python python3 bench/pc_gradient_check.py
"""
import numpy as np
import torch

import cajal
from cajal import energy

rng = np.random.default_rng(0)
x = (rng.random((64, 784)) * (rng.random((64, 784)) < 0.5)).astype(np.float32)
t = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]
print("output_variance steps rate | relative error per parameter")
for variance, steps, rate in [(1, 20, 0.1), (100, 20, 0.1), (100, 50, 0.2), (1, 50, 0.2)]:
    cajal.manual_seed(0)
    pc = energy.PredictiveCodingNetwork([784, 256, 128, 10], inference_steps=steps, inference_rate=rate,
                                        output_variance=variance)
    p = [torch.tensor(w.detach().numpy(), requires_grad=True) for _, w in pc.named_parameters()]
    h = torch.relu(torch.tensor(x) @ p[0].T + p[1])
    h = torch.relu(h @ p[2].T + p[3])
    y = h @ p[4].T + p[5]
    (0.5 * ((y - torch.tensor(t)) ** 2).sum() / 64).backward()
    local = pc.set_local_gradients(pc.train_state(cajal.from_numpy(x), cajal.from_numpy(t)))
    errors = [np.linalg.norm(g.numpy() * variance - q.grad.numpy()) / np.linalg.norm(q.grad.numpy())
              for g, q in zip(local, p)]
    print(f"{variance:>15} {steps:>5} {rate:>4} | " + " ".join(f"{e:.3f}" for e in errors))
