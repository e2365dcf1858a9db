"""The export recipe shared by latentfield's PyTorch test scripts: encode/decode/forward over
two members enc and dec (PythonPeer copies this module beside every script it runs)."""
import torch
from torch import nn


class Sequentials(nn.Module):
    @torch.jit.export
    def encode(self, x):
        return self.enc(x)

    @torch.jit.export
    def decode(self, z):
        return self.dec(z)

    def forward(self, x):
        return self.decode(self.encode(x))
