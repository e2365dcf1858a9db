"""Peers of liblf's kernels, written the way a scikit-learn or PyTorch user would, on the same
workloads (sizes, distributions) as native/bench/lf_bench.cpp. Prints one line per measurement
in lf_bench's format. Run by benchmarks/peers/run_native_vs_peers.sh.

  python3 native_peers.py [--quick]
"""
import sys
import time
import warnings

import numpy as np

QUICK = "--quick" in sys.argv


def best_of(reps, fn):
    fn()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def report(kernel, device, shape, seconds, items, unit):
    print("%-8s %-5s %-44s %9.4f s  %12.0f %s/s" % (kernel, device, shape, seconds, items / seconds, unit), flush=True)


def omp_sklearn():
    from sklearn.linear_model import orthogonal_mp_gram
    atoms, dim, m, s = (256, 64, 1000, 32) if QUICK else (1024, 128, 10000, 32)
    rng = np.random.default_rng(1)
    d = rng.standard_normal((atoms, dim)).astype(np.float32)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    x = rng.standard_normal((m, dim)).astype(np.float32)

    def run():
        gram = d @ d.T
        xy = d @ x.T
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            orthogonal_mp_gram(gram, xy, n_nonzero_coefs=s)
    report("omp", "sk", "atoms=%d dim=%d signals=%d S=%d" % (atoms, dim, m, s), best_of(3, run), m, "signals")


def distances_torch():
    import torch
    n, m, dim, k = (2000, 5000, 16, 50) if QUICK else (10000, 60000, 128, 50)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(n, dim, generator=g)
    ref = torch.randn(m, dim, generator=g)

    def nearest():
        for chunk in torch.split(x, 1024):
            torch.cdist(chunk, ref).min(dim=1)

    def knn():
        for chunk in torch.split(x, 1024):
            torch.cdist(chunk, ref).topk(k, dim=1, largest=False).values.mean(dim=1)
    with torch.no_grad():
        report("nearest", "torch", "n=%d m=%d dim=%d euclidean" % (n, m, dim), best_of(2, nearest), n, "queries")
        report("knn", "torch", "n=%d m=%d dim=%d K=%d" % (n, m, dim, k), best_of(2, knn), n, "queries")


def spectra_torch():
    import torch
    for k in (16, 128):
        n = (2000 if k == 16 else 50) if QUICK else (20000 if k == 16 else 50)
        g = torch.Generator().manual_seed(7)
        j = (torch.randn(n, k, k, generator=g) / k ** 0.5).double()

        def run():
            torch.linalg.matrix_norm(j, ord=2)
            torch.linalg.eigvals(j).abs().amax(dim=1)
        report("spectra", "torch", "n=%d k=%d exact (svd + eigvals)" % (n, k), best_of(2, run), n, "matrices")


if __name__ == "__main__":
    print("peers: numpy %s%s" % (np.__version__, " (quick sizes)" if QUICK else ""))
    omp_sklearn()
    distances_torch()
    spectra_torch()
