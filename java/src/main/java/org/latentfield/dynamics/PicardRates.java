package org.latentfield.dynamics;

import java.util.Arrays;
import java.util.function.LongConsumer;
import org.latentfield.data.Points;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.LatentMap;

/**
 * The observed asymptotic rate of Picard iteration (issue 12). Near an attractor z* with
 * J = J_f(z*), z_t - z* ~ J^t (z_0 - z*), so the step norms s_t = ||z_t - z_{t-1}|| shrink by
 * the factor rho(J) per step once the slower modes dominate. Per start, the rate observed over
 * the last w steps before the stop is the geometric mean of the step ratios,
 * <pre>  q = (s_T / s_{T-w})^{1/w},   w = min(WINDOW, T - 1)</pre>
 * which theory says equals rho(J(z*)) of the attractor the start reaches; the run that records
 * it is the ordinary compacted Picard run ({@link FixedPointSolver#solve}, with a
 * {@link FixedPointSolver.StepTrace}), so its iterations and endpoints are the usual ones.
 *
 * @param run   the Picard run
 * @param rate  per start, q; NaN where the start did not converge or took fewer than 3 steps
 * @param first per start, s_1 = ||z_1 - z_0||
 */
public record PicardRates(FixedPointResult run, double[] rate, double[] first) {
    /** Steps over which the rate is measured. */
    public static final int WINDOW = 8;

    /** Runs Picard from {@code starts} and measures the rate of every converged start. */
    public static PicardRates measure(LatentMap map, Points starts, FixedPointSolver.Options options, LongConsumer progress) {
        int n = starts.n();
        int k = starts.dim();
        double[][] last = new double[n][];
        int[] seen = new int[n];
        double[] first = new double[n];
        FixedPointSolver.StepTrace trace = new FixedPointSolver.StepTrace() {
            private float[] a = new float[0];
            private float[] b = new float[0];

            @Override
            public void step(int[] ids, NativeMatrix prev, NativeMatrix next, int rows) {
                if (a.length < rows * k) {
                    a = new float[rows * k];
                    b = new float[rows * k];
                }
                prev.getRows(0, a, 0, rows);
                next.getRows(0, b, 0, rows);
                for (int r = 0; r < rows; r++) {
                    double s = 0;
                    for (int j = 0; j < k; j++) {
                        double d = (double) b[r * k + j] - a[r * k + j];
                        s += d * d;
                    }
                    int g = ids[r];
                    if (last[g] == null) {
                        last[g] = new double[WINDOW + 1];
                        first[g] = Math.sqrt(s);
                    }
                    last[g][seen[g] % (WINDOW + 1)] = Math.sqrt(s);
                    seen[g]++;
                }
            }
        };
        FixedPointResult run = FixedPointSolver.solve(map, starts, options, progress, trace);
        double[] rate = new double[n];
        Arrays.fill(rate, Double.NaN);
        for (int i = 0; i < n; i++) {
            int t = seen[i];
            if (!run.converged(i) || t < 3) {
                continue;
            }
            int w = Math.min(WINDOW, t - 1);
            double end = last[i][(t - 1) % (WINDOW + 1)];
            double begin = last[i][(t - 1 - w) % (WINDOW + 1)];
            if (begin > 0 && end > 0) {
                rate[i] = Math.pow(end / begin, 1.0 / w);
            }
        }
        return new PicardRates(run, rate, first);
    }
}
