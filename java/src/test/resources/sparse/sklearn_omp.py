"""scikit-learn side of latentfield's OMP parity test (run by BatchOmpTest with Debian's python3-sklearn).

  sklearn_omp.py DIR SEED ATOMS DIM SIGNALS S TOL
      writes DIR/D.npy (ATOMS x DIM float32, unit-norm rows), DIR/X.npy (SIGNALS x DIM float32),
      DIR/coef_fixed.npy (SIGNALS x ATOMS float64: orthogonal_mp_gram with n_nonzero_coefs=S) and
      DIR/coef_tol.npy (the same with tol=TOL^2, sklearn's tol being a squared residual norm)
"""
import sys
import warnings

import numpy as np
from sklearn.linear_model import orthogonal_mp_gram


def main(out, seed, atoms, dim, signals, s, tol):
    rng = np.random.default_rng(seed)
    d = rng.standard_normal((atoms, dim)).astype(np.float32)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    # signals: sparse combinations of atoms plus a little noise, and pure noise
    x = rng.standard_normal((signals, dim)).astype(np.float32)
    for i in range(0, signals, 2):
        idx = rng.choice(atoms, size=s, replace=False)
        x[i] = (rng.uniform(0.5, 2.0, size=s) * rng.choice([-1, 1], size=s)) @ d[idx] + 0.01 * x[i]
    d64, x64 = d.astype(np.float64), x.astype(np.float64)
    gram = d64 @ d64.T
    xy = d64 @ x64.T
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fixed = orthogonal_mp_gram(gram, xy, n_nonzero_coefs=s).T
        tolerant = orthogonal_mp_gram(gram, xy, tol=tol * tol, norms_squared=(x64 ** 2).sum(axis=1)).T
    np.save(out + "/D.npy", d)
    np.save(out + "/X.npy", x)
    np.save(out + "/coef_fixed.npy", np.ascontiguousarray(fixed))
    np.save(out + "/coef_tol.npy", np.ascontiguousarray(tolerant))
    print("written")


if __name__ == "__main__":
    a = sys.argv
    main(a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]), int(a[6]), float(a[7]))
