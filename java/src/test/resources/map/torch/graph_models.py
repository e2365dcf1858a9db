"""PyTorch side of GraphAdmissionPeerTest (run with Debian's python3-torch).

  export DIR   writes DIR/NAME.pt for every model below, scripted (torch.jit.script) or traced
               (torch.jit.trace_module), in eval mode unless the name says otherwise, latent_dim 3,
               seeded weights; prints "exported N" with the number of models
"""
import sys

import torch
from torch import nn

from sequentials import Sequentials

K = 3


def mlp(act, dropout=False, bias=True):
    enc = [nn.Flatten(), nn.Linear(784, 32, bias=bias), act()] + ([nn.Dropout(0.2)] if dropout else []) + [nn.Linear(32, K)]
    dec = [nn.Linear(K, 32), act(), nn.Linear(32, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28))]
    return nn.Sequential(*enc), nn.Sequential(*dec)


class Scripted(Sequentials):
    """encode/decode over two nn.Sequential members, the export recipe in the README."""

    def __init__(self, act=nn.ReLU, dropout=False, bias=True):
        super().__init__()
        self.latent_dim = K
        self.enc, self.dec = mlp(act, dropout, bias)


class Traceable(nn.Module):
    """The same network without @torch.jit.export, for torch.jit.trace_module."""

    def __init__(self, act=nn.Tanh, dropout=False, view=False):
        super().__init__()
        self.latent_dim = K
        self.enc, self.dec = mlp(act, dropout)
        self.view = view

    def encode(self, x):
        if self.view:  # resolved while tracing: x.view(x.size(0), -1) is recorded with aten::size
            return self.enc[1:](x.view(x.size(0), -1))
        return self.enc(x)

    def decode(self, z):
        return self.dec(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class ViewScripted(Scripted):
    @torch.jit.export
    def encode(self, x):
        h = x.view(x.size(0), -1)
        return self.enc[4](self.enc[3](self.enc[2](self.enc[1](h))))


class Functional(nn.Module):
    """Parameters used directly: h @ W.t() + b, torch.matmul and F.linear without bias."""

    def __init__(self):
        super().__init__()
        self.latent_dim = K
        self.w1 = nn.Parameter(torch.randn(16, K) * 0.5)
        self.b1 = nn.Parameter(torch.randn(16) * 0.1)
        self.w2 = nn.Parameter(torch.randn(16, 784) * 0.1)
        self.w3 = nn.Parameter(torch.randn(784, K) * 0.1)
        self.b3 = nn.Parameter(torch.randn(K) * 0.1)

    @torch.jit.export
    def encode(self, x):
        h = torch.flatten(x, 1)
        return torch.matmul(h, self.w3) + self.b3

    @torch.jit.export
    def decode(self, z):
        h = torch.tanh(z @ self.w1.t() + self.b1)
        return torch.sigmoid(nn.functional.linear(h, self.w2.t()))

    def forward(self, x):
        return self.decode(self.encode(x))


class Vae(Scripted):
    def __init__(self):
        super().__init__(nn.ReLU)
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.ReLU())
        self.mu = nn.Linear(32, K)
        self.logvar = nn.Linear(32, K)

    @torch.jit.export
    def encode(self, x):
        h = self.enc(x)
        return self.mu(h), self.logvar(h)

    def forward(self, x):
        return self.decode(self.encode(x)[0])


class Clamp(Scripted):
    """The model of issue 10: the clamp never shows on probe points within [-20, 20]."""

    @torch.jit.export
    def decode(self, z):
        return self.dec(z.clamp(-20, 20))


class Abs(Scripted):
    @torch.jit.export
    def decode(self, z):
        return self.dec(torch.abs(z))


class Residual(Scripted):
    def __init__(self):
        super().__init__(nn.ReLU)
        self.skip = nn.Linear(K, K)

    @torch.jit.export
    def decode(self, z):
        return self.dec(z + self.skip(z))


class LayerNorm(Scripted):
    def __init__(self):
        super().__init__(nn.ReLU)
        self.norm = nn.LayerNorm(32)
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), self.norm, nn.ReLU(), nn.Linear(32, K))


class Branch(Scripted):
    """Control flow on the shape, so that each row's value still depends on that row alone."""

    @torch.jit.export
    def decode(self, z):
        if z.size(1) > 1:
            return self.dec(z)
        return self.dec(-z)


class TanhGelu(Scripted):
    def __init__(self):
        super().__init__(nn.ReLU)
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.GELU(approximate="tanh"), nn.Linear(32, K))


def trace(module):
    x, z = torch.rand(4, 1, 28, 28), torch.randn(4, K)
    # a module in training mode draws dropout masks: the trace cannot match a second run
    return torch.jit.trace_module(module, {"encode": x, "decode": z, "forward": x}, check_trace=not module.training)


def export(out):
    models = {
        "scripted-relu-dropout": lambda: torch.jit.script(Scripted(nn.ReLU, dropout=True).eval()),
        "scripted-tanh": lambda: torch.jit.script(Scripted(nn.Tanh).eval()),
        "scripted-sigmoid-nobias": lambda: torch.jit.script(Scripted(nn.Sigmoid, bias=False).eval()),
        "scripted-gelu": lambda: torch.jit.script(Scripted(nn.GELU).eval()),
        "scripted-view": lambda: torch.jit.script(ViewScripted(nn.ReLU, dropout=True).eval()),
        "scripted-functional": lambda: torch.jit.script(Functional().eval()),
        "scripted-vae": lambda: torch.jit.script(Vae().eval()),
        "traced-tanh-dropout": lambda: trace(Traceable(nn.Tanh, dropout=True).eval()),
        "traced-gelu-view": lambda: trace(Traceable(nn.GELU, view=True).eval()),
        "traced-relu-dropout-training": lambda: trace(Traceable(nn.ReLU, dropout=True).train()),
        "clamp": lambda: torch.jit.script(Clamp().eval()),
        "abs": lambda: torch.jit.script(Abs().eval()),
        "residual": lambda: torch.jit.script(Residual().eval()),
        "layer-norm": lambda: torch.jit.script(LayerNorm().eval()),
        "branch": lambda: torch.jit.script(Branch().eval()),
        "tanh-gelu": lambda: torch.jit.script(TanhGelu().eval()),
    }
    for i, (name, make) in enumerate(models.items()):
        torch.manual_seed(i)
        make().save("%s/%s.pt" % (out, name))
    print("exported %d" % len(models))


if __name__ == "__main__":
    export(sys.argv[2])
