"""PyTorch side of TorchBackendsTest (run with Debian's python3-torch 1.13, whose convolutions
agree with a float64 computation to 1e-6 on every CPU we know of):

  conv_reference.py MODEL Z.npy FZ.npy

loads MODEL (a TorchScript autoencoder), evaluates f = encode(decode(z)) on the latents of Z.npy
(N x *latent_shape, float32) as one batch and one at a time, and prints on one line
"max_diff=D batch_single=B": D = max |f - FZ| (FZ.npy: latentfield's f, N x k) and B = max |f of
the batch - f one at a time|.
"""
import sys

import numpy as np
import torch

model = torch.jit.load(sys.argv[1])
model.eval()
z = torch.from_numpy(np.load(sys.argv[2]))
theirs = np.load(sys.argv[3])
with torch.no_grad():
    batch = model.encode(model.decode(z)).reshape(z.shape[0], -1).numpy()
    alone = np.concatenate([model.encode(model.decode(z[i:i + 1])).reshape(1, -1).numpy() for i in range(z.shape[0])])
print(f"max_diff={np.abs(batch - theirs.reshape(batch.shape)).max():.3e} batch_single={np.abs(batch - alone).max():.3e}")
