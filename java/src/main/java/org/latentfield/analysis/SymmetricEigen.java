package org.latentfield.analysis;

/** Eigenvalues (and vectors) of a small symmetric matrix by the cyclic Jacobi method, in double. */
final class SymmetricEigen {
    private SymmetricEigen() {}

    /** Eigenpairs: values[i] belongs to the column i of vectors (vectors[r][i]). */
    record Decomposition(double[] values, double[][] vectors) {}

    /** The eigenvalues of symmetric {@code a} (n x n, destroyed), unordered. */
    static double[] values(double[][] a) {
        return decompose(a, false).values();
    }

    /** Eigenvalues and orthonormal eigenvectors of symmetric {@code a} (destroyed), unordered. */
    static Decomposition decompose(double[][] a, boolean withVectors) {
        int n = a.length;
        double[][] v = null;
        if (withVectors) {
            v = new double[n][n];
            for (int i = 0; i < n; i++) {
                v[i][i] = 1;
            }
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0, diag = 0;
            for (int p = 0; p < n; p++) {
                diag += a[p][p] * a[p][p];
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off <= 1e-30 * Math.max(diag, Double.MIN_NORMAL)) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int r = 0; r < n; r++) { // columns p, q
                        double arp = a[r][p], arq = a[r][q];
                        a[r][p] = c * arp - s * arq;
                        a[r][q] = s * arp + c * arq;
                    }
                    for (int r = 0; r < n; r++) { // rows p, q
                        double apr = a[p][r], aqr = a[q][r];
                        a[p][r] = c * apr - s * aqr;
                        a[q][r] = s * apr + c * aqr;
                    }
                    if (v != null) {
                        for (int r = 0; r < n; r++) {
                            double vrp = v[r][p], vrq = v[r][q];
                            v[r][p] = c * vrp - s * vrq;
                            v[r][q] = s * vrp + c * vrq;
                        }
                    }
                }
            }
        }
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = a[i][i];
        }
        return new Decomposition(d, v);
    }
}
