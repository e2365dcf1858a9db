"""Autoencoders exported the way PyTorch users export them, for latentfield's model-contract tests
(run by UserModelsTest with Debian's python3-torch). Each command writes DIR/<name>.pt and prints
one line starting with "exported".

  colour DIR       scripted conv AE on 3 x 16 x 16 images with a spatial latent 4 x 4 x 4
                   (attributes input_shape, latent_shape), plus DIR/images.npy (64 colour images),
                   DIR/starts.npy (N(0, I) latents) and the PyTorch Picard loop from those starts:
                   DIR/endpoints_torch.npy, DIR/iterations_torch.npy (tol 1e-6, 3000 iterations)
  traced-train DIR torch.jit.trace_module of a BatchNorm + Dropout model left in train() mode
  traced DIR       the same model in eval() mode: trace_module (no attributes survive) and a
                   scripted wrapper around traced parts that keeps input_shape / latent_dim
  flat DIR         an MLP whose encoder takes flat (N, 784) vectors
  float64 DIR      a scripted model converted with .double()
  vae DIR          a VAE: encode returns (mu, logvar), forward samples
  pair DIR         encoder.pt and decoder.pt scripted separately
  iterate MODEL STARTS TOL MAXITER OUT   the Picard loop in PyTorch from STARTS (N x k) in the model's dtype:
                   OUT_endpoints.npy (that dtype), OUT_iterations.npy; latents reshaped to the module's latent_shape
"""
import sys
from typing import List, Tuple

import numpy as np
import torch
from torch import nn

from sequentials import Sequentials


class ColourSpatial(Sequentials):
    input_shape: List[int]
    latent_shape: List[int]

    def __init__(self):
        super().__init__()
        self.input_shape = [3, 16, 16]
        self.latent_shape = [4, 4, 4]
        self.enc = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 3, stride=2, padding=1))
        self.dec = nn.Sequential(nn.ConvTranspose2d(4, 8, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                                 nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())


class Traceable(nn.Module):
    """encode/decode/forward over enc and dec as plain Python methods, as torch.jit.trace_module wants them."""

    def encode(self, x):
        return self.enc(x)

    def decode(self, z):
        return self.dec(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class Normalised(Traceable):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 6))
        self.dec = nn.Sequential(nn.Linear(6, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 64), nn.Sigmoid(),
                                 nn.Unflatten(1, (1, 8, 8)))


class Wrapper(Sequentials):
    """The recipe that keeps the shapes through tracing: script a thin module around traced parts."""
    input_shape: List[int]
    latent_dim: int

    def __init__(self, enc, dec, input_shape, latent_dim):
        super().__init__()
        self.enc = enc
        self.dec = dec
        self.input_shape = input_shape
        self.latent_dim = latent_dim


class Flat(Sequentials):
    latent_dim: int

    def __init__(self):
        super().__init__()
        self.latent_dim = 8
        self.enc = nn.Sequential(nn.Linear(784, 64), nn.Tanh(), nn.Linear(64, 8))
        self.dec = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 784), nn.Sigmoid())


class Vae(nn.Module):
    latent_dim: int

    def __init__(self):
        super().__init__()
        self.latent_dim = 5
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU())
        self.mu = nn.Linear(32, 5)
        self.logvar = nn.Linear(32, 5)
        self.dec = nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Linear(32, 64), nn.Sigmoid(), nn.Unflatten(1, (1, 8, 8)))

    @torch.jit.export
    def encode(self, x) -> Tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        return self.mu(h), self.logvar(h)

    @torch.jit.export
    def decode(self, z):
        return self.dec(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(mu + torch.randn_like(mu) * torch.exp(0.5 * logvar))


class ConvMix(Traceable):
    """A conv autoencoder with the other layers the network engine runs: LeakyReLU, SiLU, tanh, a
    stride-1 convolution, a kernel-2 stride-2 transposed convolution, Flatten/Unflatten around a
    Linear bottleneck (k = 6); exported traced, so its graphs hold aten::_convolution."""

    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 6, 3, stride=1, padding=1), nn.LeakyReLU(0.2), nn.Conv2d(6, 8, 3, stride=2, padding=1),
                                 nn.SiLU(), nn.Flatten(), nn.Linear(8 * 4 * 4, 6))
        self.dec = nn.Sequential(nn.Linear(6, 8 * 4 * 4), nn.Tanh(), nn.Unflatten(1, (8, 4, 4)), nn.ConvTranspose2d(8, 4, 2, stride=2),
                                 nn.LeakyReLU(0.1), nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid())


def picard(m, starts, tol, max_iter):
    """The paper's stopping rule per point: smallest t >= 1 with ||z_t - z_{t-1}||^2 < tol, else the cap."""
    shape = [int(s) for s in m.latent_shape] if hasattr(m, "latent_shape") else [starts.shape[1]]
    dtype = next(m.parameters()).dtype
    z = torch.from_numpy(starts).clone().to(dtype)
    n = z.shape[0]
    iterations = np.full(n, max_iter, dtype=np.int32)
    active = torch.ones(n, dtype=torch.bool)
    with torch.no_grad():
        for t in range(1, max_iter + 1):
            idx = active.nonzero().flatten()
            if len(idx) == 0:
                break
            cur = z[idx]
            nxt = m.encode(m.decode(cur.reshape([len(idx)] + shape))).reshape(len(idx), -1)
            step = ((nxt - cur) ** 2).sum(1)
            z[idx] = nxt
            done = step < tol
            iterations[idx[done].numpy()] = t
            active[idx[done]] = False
    return z.numpy(), iterations


def colour(out):
    """Trained for 400 Adam steps on 64 synthetic colour images (tinted ramps), so that it has a few attractors."""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = ColourSpatial()
    g = torch.Generator().manual_seed(1)
    base = torch.rand(64, 3, 1, 1, generator=g)
    ramp = torch.linspace(0, 1, 16).reshape(1, 1, 1, 16) * torch.linspace(0, 1, 16).reshape(1, 1, 16, 1)
    images = (0.6 * base + 0.4 * ramp * torch.rand(64, 3, 1, 1, generator=g)).clamp(0, 1)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(400):
        opt.zero_grad()
        loss = ((model(images) - images) ** 2).mean()
        loss.backward()
        opt.step()
    m = torch.jit.script(model.eval())
    m.save(out + "/colour.pt")
    np.save(out + "/images.npy", images.numpy().astype(np.float32))
    starts = torch.randn(48, 64, generator=g).numpy().astype(np.float32)
    np.save(out + "/starts.npy", starts)
    endpoints, iterations = picard(m, starts, 1e-6, 3000)
    np.save(out + "/endpoints_torch.npy", endpoints.astype(np.float32))
    np.save(out + "/iterations_torch.npy", iterations)
    print("exported colour max_iterations %d" % iterations.max())


def traced(out, train):
    torch.manual_seed(0)
    model = Normalised()
    x = torch.rand(4, 1, 8, 8)
    z = torch.randn(4, 6)
    if train:
        model.train()
        torch.jit.trace_module(model, {"encode": x, "decode": z}).save(out + "/traced_train.pt")
        print("exported traced-train")
        return
    model.eval()
    torch.jit.trace_module(model, {"encode": x, "decode": z}).save(out + "/traced.pt")
    enc = torch.jit.trace(model.enc, x)
    dec = torch.jit.trace(model.dec, z)
    torch.jit.script(Wrapper(enc, dec, [1, 8, 8], 6)).save(out + "/wrapped.pt")
    print("exported traced")


def convmix(out):
    """ConvMix trained for 300 Adam steps on 64 blurred random 8 x 8 images, traced in eval mode, with
    PyTorch's own Picard loop from 40 N(0, I) starts."""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = ConvMix()
    g = torch.Generator().manual_seed(2)
    images = torch.nn.functional.avg_pool2d(torch.rand(64, 1, 10, 10, generator=g), 3, stride=1)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(300):
        opt.zero_grad()
        loss = ((model(images) - images) ** 2).mean()
        loss.backward()
        opt.step()
    model.eval()
    m = torch.jit.trace_module(model, {"encode": images[:4], "decode": torch.randn(4, 6, generator=g)})
    m.save(out + "/convmix.pt")
    starts = torch.randn(40, 6, generator=g).numpy().astype(np.float32)
    np.save(out + "/convmix_starts.npy", starts)
    endpoints, iterations = picard(m, starts, 1e-6, 3000)
    np.save(out + "/convmix_endpoints_torch.npy", endpoints.astype(np.float32))
    np.save(out + "/convmix_iterations_torch.npy", iterations)
    print("exported convmix max_iterations %d" % iterations.max())


def flat(out):
    torch.manual_seed(0)
    torch.jit.script(Flat().eval()).save(out + "/flat.pt")
    print("exported flat")


def float64(out):
    torch.manual_seed(0)
    m = torch.jit.script(Flat().double().eval())
    m.save(out + "/float64.pt")
    g = torch.Generator().manual_seed(3)
    starts = torch.randn(16, 8, generator=g, dtype=torch.float64)
    with torch.no_grad():
        fz = m.encode(m.decode(starts))
    np.save(out + "/z64.npy", starts.numpy())
    np.save(out + "/fz64.npy", fz.numpy())
    print("exported float64")


def vae(out):
    torch.manual_seed(0)
    torch.jit.script(Vae().eval()).save(out + "/vae.pt")
    print("exported vae")


def pair(out):
    torch.manual_seed(0)
    enc = nn.Sequential(nn.Flatten(), nn.Linear(64, 4)).eval()
    dec = nn.Sequential(nn.Linear(4, 64), nn.Sigmoid(), nn.Unflatten(1, (1, 8, 8))).eval()
    torch.jit.script(enc).save(out + "/encoder.pt")
    torch.jit.script(dec).save(out + "/decoder.pt")
    print("exported pair")


def iterate(model, starts, tol, max_iter, out):
    torch.set_num_threads(1)
    m = torch.jit.load(model)
    endpoints, iterations = picard(m, np.load(starts), float(tol), int(max_iter))
    np.save(out + "_endpoints.npy", endpoints)
    np.save(out + "_iterations.npy", iterations)
    print("iterated %s" % endpoints.dtype)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "colour":
        colour(args[0])
    elif cmd == "traced-train":
        traced(args[0], True)
    elif cmd == "traced":
        traced(args[0], False)
    elif cmd == "flat":
        flat(args[0])
    elif cmd == "convmix":
        convmix(args[0])
    elif cmd == "float64":
        float64(args[0])
    elif cmd == "vae":
        vae(args[0])
    elif cmd == "pair":
        pair(args[0])
    elif cmd == "iterate":
        iterate(*args)
    else:
        raise SystemExit("unknown command " + cmd)
