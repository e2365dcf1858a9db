#!/usr/bin/env python3
"""Exports a shipped fmnist-conv TorchScript autoencoder as the lf_net layer chain the native
timing driver reads (lf_bench netfile), for benchmarks/gpu/run.sh, where there is no Java to read
the graphs. Usage: export_net.py MODEL.pt OUT.lfnet

Only the shipped fmnist-conv architecture is exported (decode: addmm, ReLU, reshape to 8d x 2 x 2,
four stride-2 conv_transpose2d with ReLU and a final sigmoid, crop 32 -> 28; encode: pad 28 -> 32,
four stride-2 conv2d with ReLU, flatten, addmm); anything else is refused. The chain is then
evaluated here with plain torch ops and compared with the module's encode(decode(z)) on 16 points:
an export that disagrees by more than 1e-4 (1 + max |f|) is refused, so the driver never times a
different map.

File format (little endian): a text header, one item per line,
    lfnet 1
    layers N
    linear IN OUT HAS_BIAS
    conv C H W O KH KW SH SW PH PW OPH OPW TRANSPOSED HAS_BIAS
    act SIZE CODE ALPHA            (CODE as lf_activation: 1 ReLU, 3 sigmoid)
    pad C H W TOP BOTTOM LEFT RIGHT VALUE
    data
followed by the float32 weights and biases of the linear and conv layers, in layer order, each
weight in PyTorch's layout then its bias.
"""
import sys

import torch

RELU, SIGMOID = 1, 3


def chain(m):
    names = dict(m.named_parameters())
    need = ["dec_fc_w", "dec_fc_b", "enc_fc_w", "enc_fc_b"] + [f"{p}{i}_{t}" for p in ("dec", "enc") for i in range(4) for t in "wb"]
    missing = [n for n in need if n not in names]
    if missing or len(names) != len(need):
        raise SystemExit(f"export_net.py: not the shipped fmnist-conv architecture (parameters {sorted(names)})")
    p = {n: names[n].detach().float().contiguous() for n in need}
    k = p["dec_fc_w"].shape[1]
    c0 = p["dec0_w"].shape[0]
    layers = [("linear", (k, p["dec_fc_w"].shape[0], 1), [p["dec_fc_w"], p["dec_fc_b"]]),
              ("act", (p["dec_fc_w"].shape[0], RELU, 0.0), [])]
    side, c = 2, c0
    for i in range(4):
        w = p[f"dec{i}_w"]
        o = w.shape[1]
        layers.append(("conv", (c, side, side, o, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1), [w, p[f"dec{i}_b"]]))
        side, c = side * 2, o
        layers.append(("act", (c * side * side, RELU if i < 3 else SIGMOID, 0.0), []))
    layers.append(("pad", (1, 32, 32, -2, -2, -2, -2, 0.0), []))
    layers.append(("pad", (1, 28, 28, 2, 2, 2, 2, 0.0), []))
    side, c = 32, 1
    for i in range(4):
        w = p[f"enc{i}_w"]
        o = w.shape[0]
        layers.append(("conv", (c, side, side, o, 3, 3, 2, 2, 1, 1, 0, 0, 0, 1), [w, p[f"enc{i}_b"]]))
        side, c = side // 2, o
        layers.append(("act", (c * side * side, RELU, 0.0), []))
    layers.append(("linear", (c * side * side, k, 1), [p["enc_fc_w"], p["enc_fc_b"]]))
    return k, layers


def evaluate(layers, z):
    """f(z) by the chain, with plain torch ops on rows (items in C order)."""
    h = z
    for kind, a, t in layers:
        if kind == "linear":
            h = h @ t[0].t() + t[1]
        elif kind == "conv":
            c, hh, ww = a[0], a[1], a[2]
            x = h.reshape(-1, c, hh, ww)
            if a[12]:
                x = torch.conv_transpose2d(x, t[0], t[1], [a[6], a[7]], [a[8], a[9]], [a[10], a[11]])
            else:
                x = torch.conv2d(x, t[0], t[1], [a[6], a[7]], [a[8], a[9]])
            h = x.reshape(x.shape[0], -1)
        elif kind == "act":
            h = torch.relu(h) if a[1] == RELU else torch.sigmoid(h)
        else:
            c, hh, ww, top, bottom, left, right, value = a
            x = h.reshape(-1, c, hh, ww)
            x = torch.constant_pad_nd(x, [left, right, top, bottom], value)
            h = x.reshape(x.shape[0], -1)
    return h


def write(path, layers):
    """The layers in the .lfnet format of the module docstring."""
    with open(path, "wb") as f:
        f.write(f"lfnet 1\nlayers {len(layers)}\n".encode())
        for kind, a, _ in layers:
            f.write((kind + " " + " ".join(str(v) for v in a) + "\n").encode())
        f.write(b"data\n")
        for _, _, tensors in layers:
            for t in tensors:
                f.write(t.detach().numpy().astype("<f4").tobytes())


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: export_net.py MODEL.pt OUT.lfnet")
    m = torch.jit.load(sys.argv[1], map_location="cpu").eval()
    k, layers = chain(m)
    z = torch.randn(16, k, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        want = m.encode(m.decode(z)).reshape(16, k)
        got = evaluate(layers, z)
    diff = (want - got).abs().max().item()
    allowed = 1e-4 * (1 + want.abs().max().item())
    if not diff <= allowed:
        raise SystemExit(f"export_net.py: the exported chain differs from the module's f by {diff:.3g} (allowed {allowed:.3g})")
    write(sys.argv[2], layers)
    print(f"export_net.py: {sys.argv[1]} -> {sys.argv[2]}: k = {k}, {len(layers)} layers, f agrees within {diff:.2g}")


if __name__ == "__main__":
    main()
