"""The VAE and DCGAN of `cajal train vae` / `cajal train dcgan` in PyTorch, trained the same way
(Adam, batch 64, shuffled Fashion-MNIST pixels in [0, 1]; DCGAN: lr 2e-4, betas (0.5, 0.999), one
D step on real + fake then one G step with the non-saturating loss), timed over --steps steps after
one warm-up step. Prints one JSON line per model: {"model", "steps", "samples_per_second", "loss"}.

    python3 bench/generative_torch.py --model vae --steps 200 --threads 2
    python3 bench/generative_torch.py --model vae --steps 938 --test   # one epoch, then the test NELBO
"""
import argparse
import gzip
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FASHION = "/usr/share/datasets/fashion-mnist/{}-images-idx3-ubyte.gz"


def fashion_mnist(split="train"):
    with gzip.open(FASHION.format(split)) as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=16)
    return torch.from_numpy(raw.reshape(-1, 1, 28, 28).astype(np.float32) / 255)


class Vae(nn.Module):
    """cajal's vae: 784-400-(mu, logvar 20), 20-400-784, Bernoulli decoder."""

    def __init__(self, hidden=400, latent=20):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, hidden), nn.ReLU())
        self.mu, self.logvar = nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 784))

    def nelbo(self, x):
        """The negative ELBO per image in nats (one draw of z), as cajal's vae task reports it."""
        h = self.encoder(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        rec = F.binary_cross_entropy_with_logits(self.decoder(z), x, reduction="none").sum(1)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        return rec + kl

    def loss(self, x):
        return self.nelbo(x).mean()


def dcgan(latent=64, g=32, d=32):
    """cajal's dcgan for 28 x 28 images (see include/cajal/models/generative/gan.h)."""
    gen = nn.Sequential(nn.ConvTranspose2d(latent, 4 * g, 7, bias=False), nn.BatchNorm2d(4 * g), nn.ReLU(),
                        nn.ConvTranspose2d(4 * g, 2 * g, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * g), nn.ReLU(),
                        nn.ConvTranspose2d(2 * g, 1, 4, 2, 1, bias=False), nn.Tanh())
    dis = nn.Sequential(nn.Conv2d(1, d, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
                        nn.Conv2d(d, 2 * d, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * d), nn.LeakyReLU(0.2),
                        nn.Conv2d(2 * d, 1, 7, bias=False))
    for m in list(gen.modules()) + list(dis.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1, 0.02)
            nn.init.zeros_(m.bias)
    return gen, dis


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["vae", "dcgan"], required=True)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test", action="store_true", help="vae: add the test set's negative ELBO (nats per image)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    images = fashion_mnist()
    order = torch.randperm(len(images))

    def batch(i):
        return images[order[(i * a.batch) % len(images):][:a.batch]]

    if a.model == "vae":
        vae = Vae()
        opt = torch.optim.Adam(vae.parameters(), lr=1e-3)

        def step(i):
            loss = vae.loss(batch(i).reshape(-1, 784))
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss.item()
    else:
        gen, dis = dcgan()
        og = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
        od = torch.optim.Adam(dis.parameters(), lr=2e-4, betas=(0.5, 0.999))

        def step(i):
            real = batch(i) * 2 - 1
            n = len(real)
            fake = gen(torch.randn(n, 64, 1, 1))
            d_loss = F.binary_cross_entropy_with_logits(dis(real).reshape(n), torch.ones(n)) + \
                F.binary_cross_entropy_with_logits(dis(fake.detach()).reshape(n), torch.zeros(n))
            od.zero_grad()
            d_loss.backward()
            od.step()
            g_loss = F.binary_cross_entropy_with_logits(dis(fake).reshape(n), torch.ones(n))
            og.zero_grad()
            g_loss.backward()
            og.step()
            return d_loss.item() + g_loss.item()

    step(0)  # warm-up
    start = time.perf_counter()
    loss = 0.0
    for i in range(1, a.steps + 1):
        loss = step(i)
    seconds = time.perf_counter() - start
    result = {"model": a.model, "library": "torch " + torch.__version__, "threads": a.threads, "steps": a.steps,
              "samples_per_second": a.steps * a.batch / seconds, "loss": loss}
    if a.test and a.model == "vae":
        with torch.no_grad():
            result["test_nelbo_nats"] = vae.nelbo(fashion_mnist("t10k").reshape(-1, 784)).mean().item()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
