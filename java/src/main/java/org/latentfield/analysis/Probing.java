package org.latentfield.analysis;

import java.util.SplittableRandom;
import org.latentfield.data.Points;
import org.latentfield.kernels.Device;
import org.latentfield.sparse.BatchOmp;

/**
 * Data-free weight probing (PAPER.md section 4.1): dictionaries in latent space and sparse
 * reconstruction of latent codes over them. The paper's dictionary is the attractors reached
 * from noise; its baseline a random orthonormal basis; ours adds the principal directions of
 * training latents.
 */
public final class Probing {
    private Probing() {}

    /** k orthonormal rows of R^k: Gram-Schmidt (twice) on seeded Gaussian vectors, in double. */
    public static Points randomOrthonormalBasis(int k, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] q = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                double u = rng.nextDouble(), w = rng.nextDouble();
                q[i][j] = Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int p = 0; p < i; p++) {
                    double d = 0;
                    for (int j = 0; j < k; j++) {
                        d += q[p][j] * q[i][j];
                    }
                    for (int j = 0; j < k; j++) {
                        q[i][j] -= d * q[p][j];
                    }
                }
            }
            double norm = 0;
            for (int j = 0; j < k; j++) {
                norm += q[i][j] * q[i][j];
            }
            for (int j = 0; j < k; j++) {
                q[i][j] /= Math.sqrt(norm);
            }
        }
        return rows(q, k, k);
    }

    /** The top-s principal directions (unit rows, largest variance first) of the rows of {@code latents}. */
    public static Points principalDirections(Points latents, int s) {
        int k = latents.dim(), n = latents.n();
        if (s < 1 || s > k) {
            throw new IllegalArgumentException("the number of principal directions must be in [1, " + k + "], got " + s);
        }
        double[] mean = latents.mean();
        double[][] cov = new double[k][k];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < k; a++) {
                double da = latents.get(i, a) - mean[a];
                for (int b = 0; b < k; b++) {
                    cov[a][b] += da * (latents.get(i, b) - mean[b]);
                }
            }
        }
        SymmetricEigen.Decomposition e = SymmetricEigen.decompose(cov, true);
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(e.values()[y], e.values()[x]));
        double[][] top = new double[s][k];
        for (int r = 0; r < s; r++) {
            for (int j = 0; j < k; j++) {
                top[r][j] = e.vectors()[j][order[r]];
            }
        }
        return rows(top, s, k);
    }

    /** OMP codes of {@code codes} over the rows of {@code dictionary} with {@code atoms} atoms each, reconstructed. */
    public static Points reconstruct(Points dictionary, Points codes, int atoms, Device device) {
        return BatchOmp.solve(dictionary, codes, new BatchOmp.Options(atoms, 0, device)).reconstruct(dictionary);
    }

    private static Points rows(double[][] m, int n, int k) {
        float[] out = new float[n * k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                out[i * k + j] = (float) m[i][j];
            }
        }
        return new Points(n, k, out);
    }
}
