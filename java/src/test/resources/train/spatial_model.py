"""PyTorch side of SpatialTrainingTest (Debian's python3-torch): loads a latentfield-trained model
with a spatial latent and prints its attributes, the shape of encode's output and
|mse(forward(x), x) - MSE| on one line:

  spatial_model.py MODEL X.npy MSE
"""
import sys

import numpy as np
import torch

model = torch.jit.load(sys.argv[1])
x = torch.from_numpy(np.load(sys.argv[2]))
with torch.no_grad():
    z = model.encode(x)
    mse = torch.mean((model.decode(z) - x) ** 2).item()
shape = lambda s: "[" + ",".join(str(int(v)) for v in s) + "]"
print(f"input_shape={shape(model.input_shape)} latent_shape={shape(model.latent_shape)} latent_dim={model.latent_dim}"
      f" code={'x'.join(str(v) for v in z.shape)} mse_diff={abs(mse - float(sys.argv[3])):.3e}")
