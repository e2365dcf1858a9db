package org.latentfield.analysis;

import java.util.function.Function;
import org.latentfield.data.Points;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeDistances;

/**
 * Out-of-distribution scores on latent codes (PAPER.md section 5), higher meaning more OOD.
 */
public final class OodScores {
    private OodScores() {}

    /**
     * The paper's trajectory score: for each sample, the mean over its trajectory z_0 .. z_T of
     * the Euclidean distance from z_i to the nearest attractor in {@code attractors} (from
     * training data). The run must have recorded every iterate (record-every 1); T is the
     * sample's own iteration count, so the padding after it stopped is not counted.
     */
    public static double[] trajectory(FixedPointResult run, Points attractors, Device device) {
        if (run.trajectories() == null || run.recordEvery() != 1) {
            throw new IllegalArgumentException("the trajectory score needs every iterate recorded (record every 1)");
        }
        int n = run.size(), k = run.starts().dim(), slots = run.slots();
        NativeDistances.Nearest near = NativeDistances.nearest(run.trajectories(), attractors.data(), k,
                NativeDistances.Metric.EUCLIDEAN, device);
        double[] score = new double[n];
        for (int i = 0; i < n; i++) {
            int last = Math.min(run.iterations()[i], slots - 1);
            double sum = 0;
            for (int s = 0; s <= last; s++) {
                sum += near.distance()[i * slots + s];
            }
            score[i] = sum / (last + 1);
        }
        return score;
    }

    /** Recorded floats per chunk of {@link #trajectory(Function, Points, Points, int, Device)}: 2^26 (256 MiB). */
    public static final long TRAJECTORY_BUDGET = 1L << 26;

    /**
     * The trajectory score of many starts in bounded memory: {@code solve} (which must record
     * every iterate) runs {@code chunk} starts at a time, and each chunk's trajectories are
     * scored and dropped. Equal to scoring one run over all starts, because a point's iterates do
     * not depend on the batch it is in.
     */
    public static double[] trajectory(Function<Points, FixedPointResult> solve, Points starts, Points attractors, int chunk, Device device) {
        if (chunk < 1) {
            throw new IllegalArgumentException("the chunk must hold at least one start, got " + chunk);
        }
        double[] score = new double[starts.n()];
        for (int from = 0; from < starts.n(); from += chunk) {
            int to = Math.min(starts.n(), from + chunk);
            double[] part = trajectory(solve.apply(starts.rows(from, to)), attractors, device);
            System.arraycopy(part, 0, score, from, part.length);
        }
        return score;
    }

    /** Starts per chunk so that a chunk's recorded trajectories ((maxIter + 1) x k floats each) fit {@link #TRAJECTORY_BUDGET}. */
    public static int trajectoryChunk(int maxIter, int k) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, TRAJECTORY_BUDGET / ((long) (maxIter + 1) * k)));
    }

    /**
     * The trajectory score's first term alone: the Euclidean distance from the code z_0 to the
     * nearest attractor, min_a ||z_0 - a||. Beside the trajectory score it tells whether the
     * separation comes from where codes start or from where their trajectories go.
     */
    public static double[] attractorDistance(Points codes, Points attractors, Device device) {
        return widen(NativeDistances.nearest(codes.data(), attractors.data(), codes.dim(), NativeDistances.Metric.EUCLIDEAN, device).distance());
    }

    /** KNN score (Sun et al. 2022): mean Euclidean distance to the K nearest training latents. */
    public static double[] knn(Points codes, Points training, int k, Device device) {
        return widen(NativeDistances.knnMeanDistance(codes.data(), training.data(), codes.dim(), k, device));
    }

    private static double[] widen(float[] f) {
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /**
     * Mahalanobis distance to the training latents' Gaussian fit:
     * sqrt((z - mu)^T Sigma^{-1} (z - mu)), Sigma the sample covariance plus a ridge of 1e-9
     * times its mean diagonal (so a degenerate direction cannot divide by zero).
     */
    public static double[] mahalanobis(Points codes, Points training) {
        int k = training.dim(), n = training.n();
        double[] mu = training.mean();
        double[][] cov = new double[k][k];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < k; a++) {
                double da = training.get(i, a) - mu[a];
                for (int b = a; b < k; b++) {
                    cov[a][b] += da * (training.get(i, b) - mu[b]);
                }
            }
        }
        double trace = 0;
        for (int a = 0; a < k; a++) {
            for (int b = a; b < k; b++) {
                cov[a][b] /= Math.max(1, n - 1);
                cov[b][a] = cov[a][b];
            }
            trace += cov[a][a];
        }
        for (int a = 0; a < k; a++) {
            cov[a][a] += 1e-9 * trace / k;
        }
        double[][] l = cholesky(cov);
        double[] out = new double[codes.n()];
        double[] y = new double[k];
        for (int i = 0; i < codes.n(); i++) {
            double sq = 0;
            for (int a = 0; a < k; a++) { // solve L y = z - mu; distance^2 = ||y||^2
                double v = codes.get(i, a) - mu[a];
                for (int b = 0; b < a; b++) {
                    v -= l[a][b] * y[b];
                }
                y[a] = v / l[a][a];
                sq += y[a] * y[a];
            }
            out[i] = Math.sqrt(sq);
        }
        return out;
    }

    private static double[][] cholesky(double[][] a) {
        int k = a.length;
        double[][] l = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int p = 0; p < j; p++) {
                    s -= l[i][p] * l[j][p];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new IllegalArgumentException("the latent covariance is not positive definite");
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }
}
