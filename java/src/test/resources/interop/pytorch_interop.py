"""PyTorch side of latentfield's interoperability test (run by InteropTest with Debian's python3-torch).

  check MODEL Z.npy FZ.npy X.npy MSE   loads a latentfield-trained model with torch.jit.load and prints
                                       max |encode(decode(z)) - fz|, |mse(forward(x), x) - MSE|
                                       and the attributes latent_dim and input_shape
  export-mlp DIR                       the same for an nn.Sequential MLP autoencoder (Linear + GELU)
  export DIR                           scripts an autoencoder written the way a PyTorch user would and
                                       saves DIR/ae.pt, DIR/z.npy and DIR/fz.npy (its own f(z))
"""
import sys

import numpy as np
import torch

from sequentials import Sequentials


class UserAutoencoder(Sequentials):
    def __init__(self, k: int):
        super().__init__()
        self.latent_dim = k
        self.input_shape = [1, 28, 28]
        self.enc = torch.nn.Sequential(
            torch.nn.Conv2d(1, 4, 3, stride=2, padding=1), torch.nn.ReLU(),
            torch.nn.Flatten(), torch.nn.Linear(4 * 14 * 14, k))
        self.dec = torch.nn.Sequential(
            torch.nn.Linear(k, 4 * 14 * 14), torch.nn.ReLU(), torch.nn.Unflatten(1, (4, 14, 14)),
            torch.nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1), torch.nn.Sigmoid())


class UserMlp(Sequentials):
    """An MLP autoencoder as a PyTorch user writes it: nn.Sequential of Linear and activations."""

    def __init__(self, k: int):
        super().__init__()
        self.latent_dim = k
        self.enc = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 64), torch.nn.GELU(), torch.nn.Linear(64, k))
        self.dec = torch.nn.Sequential(torch.nn.Linear(k, 64), torch.nn.GELU(), torch.nn.Linear(64, 784), torch.nn.Sigmoid(),
                                       torch.nn.Unflatten(1, (1, 28, 28)))


def check(model, z_path, fz_path, x_path, mse):
    torch.set_num_threads(1)
    m = torch.jit.load(model)
    z = torch.from_numpy(np.load(z_path))
    x = torch.from_numpy(np.load(x_path))
    with torch.no_grad():
        fz = m.encode(m.decode(z)).numpy()
        torch_mse = torch.mean((m(x) - x) ** 2).item()
    shape = "x".join(str(s) for s in m.input_shape)
    print("latent_dim %d max_abs_diff %.3g mse_diff %.3g input_shape %s"
          % (m.latent_dim, np.abs(fz - np.load(fz_path)).max(), abs(torch_mse - mse), shape))


def export(out, mlp=False):
    torch.manual_seed(0)
    m = torch.jit.script((UserMlp(6) if mlp else UserAutoencoder(6)).eval())
    m.save(out + "/ae.pt")
    z = torch.randn(40, 6)
    with torch.no_grad():
        fz = m.encode(m.decode(z))
    np.save(out + "/z.npy", z.numpy().astype(np.float32))
    np.save(out + "/fz.npy", fz.numpy().astype(np.float32))
    print("exported")


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6]))
    else:
        export(sys.argv[2], sys.argv[1] == "export-mlp")
