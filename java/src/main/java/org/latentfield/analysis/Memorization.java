package org.latentfield.analysis;

import org.latentfield.data.Points;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeDistances;

/**
 * Memorization measures of a set of decoded attractors X* = D(Z*) (PAPER.md section 3).
 */
public final class Memorization {
    private Memorization() {}

    /**
     * Memorization coefficient: per decoded attractor, its cosine similarity to the most similar
     * training sample (ours: max similarity, the text's "closest"), with mean and standard
     * deviation over attractors.
     */
    public record Coefficient(double mean, double std, float[] perAttractor) {}

    /** Rows of {@code decoded} and {@code training} are flattened images of the same size. */
    public static Coefficient coefficient(Points decoded, Points training, Device device) {
        if (decoded.dim() != training.dim() || decoded.n() == 0 || training.n() == 0) {
            throw new IllegalArgumentException("memorization needs decoded attractors and training samples of the same size");
        }
        NativeDistances.Nearest near = NativeDistances.nearest(decoded.data(), training.data(), decoded.dim(),
                NativeDistances.Metric.COSINE, device);
        float[] best = new float[decoded.n()];
        double sum = 0, sq = 0;
        for (int i = 0; i < best.length; i++) {
            best[i] = 1 - near.distance()[i];
            sum += best[i];
            sq += (double) best[i] * best[i];
        }
        double mean = sum / best.length;
        return new Coefficient(mean, Math.sqrt(Math.max(0, sq / best.length - mean * mean)), best);
    }

    /**
     * Generalization entropy (paper appendix B.5): the number of singular vectors of X* needed
     * to explain {@code share} (the paper: 0.9) of its variance. Ours: X* is centred first, so
     * "variance" is the spread around the mean decoded attractor; the singular values come from
     * the eigenvalues of the n x n Gram matrix of the centred rows (cyclic Jacobi, in double).
     */
    public static int generalizationEntropy(Points decoded, double share) {
        int n = decoded.n(), m = decoded.dim();
        if (n < 2) {
            return n == 0 ? 0 : 1;
        }
        double[] mean = decoded.mean();
        double[][] g = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = a; b < n; b++) {
                double s = 0;
                for (int j = 0; j < m; j++) {
                    s += (decoded.get(a, j) - mean[j]) * (decoded.get(b, j) - mean[j]);
                }
                g[a][b] = g[b][a] = s;
            }
        }
        double[] eig = SymmetricEigen.values(g);
        java.util.Arrays.sort(eig);
        double total = 0;
        for (double e : eig) {
            total += Math.max(0, e);
        }
        if (total == 0) {
            return 0;
        }
        double acc = 0;
        for (int r = 1; r <= n; r++) {
            acc += Math.max(0, eig[n - r]);
            if (acc >= share * total * (1 - 1e-12)) {
                return r;
            }
        }
        return n;
    }
}
