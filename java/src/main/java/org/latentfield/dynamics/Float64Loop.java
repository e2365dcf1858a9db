package org.latentfield.dynamics;

import java.util.function.LongConsumer;
import org.latentfield.data.Points;
import org.latentfield.kernels.Cancellation;
import org.latentfield.map.Float64Map;

/**
 * {@link FixedPointSolver}'s batched Picard iteration with the iterates kept in float64, for maps
 * that compute in float64 ({@link Float64Map}). The stopping rule, divergence test, iteration
 * counts, compaction (rows that stopped leave the batch, new starts take their place) and
 * trajectory slots are those of the float32 solver; only the arithmetic is float64: the starts
 * (float32 values) are widened exactly, every f(z) and every ||z_t - z_{t-1}||^2 is float64, and
 * the endpoints are returned in float64 ({@link FixedPointResult#endpoints64()}) next to their
 * float32 rounding. {@link Cancellation} is checked before every step.
 */
final class Float64Loop {
    private Float64Loop() {}

    static FixedPointResult solve(Float64Map map, Points starts, FixedPointSolver.Options options, LongConsumer progress) {
        int n = starts.n();
        int k = starts.dim();
        int every = options.recordEvery();
        int slots = every > 0 ? options.maxIter() / every + 1 : 0;
        int batch = Math.max(1, Math.min(options.batchSize(), n));
        double[] cur = new double[batch * k];
        double[] next = new double[batch * k];
        int[] pointOf = new int[batch];
        int[] steps = new int[batch];
        double[] end64 = new double[n * k];
        int[] iterations = new int[n];
        PointState[] states = new PointState[n];
        float[] stepSq = new float[n];
        float[] trajectories = slots > 0 ? new float[n * slots * k] : null;
        long began = System.nanoTime();
        int admitted = 0;
        int active = 0;
        while (true) {
            for (; active < batch && admitted < n; active++, admitted++) {
                for (int j = 0; j < k; j++) {
                    cur[active * k + j] = starts.data()[admitted * k + j];
                }
                pointOf[active] = admitted;
                steps[active] = 0;
                if (trajectories != null) {
                    System.arraycopy(starts.data(), admitted * k, trajectories, admitted * slots * k, k);
                }
            }
            if (active == 0) {
                break;
            }
            Cancellation.check();
            map.apply64(cur, next, active);
            int kept = 0;
            for (int r = 0; r < active; r++) {
                int g = pointOf[r];
                int t = ++steps[r];
                double step = 0;
                double norm = 0;
                boolean finite = true;
                for (int j = 0; j < k; j++) {
                    double v = next[r * k + j];
                    double d = v - cur[r * k + j];
                    step += d * d;
                    norm += v * v;
                    finite &= Double.isFinite(v);
                }
                if (trajectories != null && t % every == 0) {
                    record(trajectories, next, r, g, t / every, slots, k);
                }
                PointState state = FixedPointSolver.stopState(step, norm, finite, t, options);
                if (state != null) {
                    states[g] = state;
                    iterations[g] = t;
                    stepSq[g] = (float) step;
                    System.arraycopy(next, r * k, end64, g * k, k);
                    if (trajectories != null) {
                        for (int s = t / every + 1; s < slots; s++) {
                            record(trajectories, next, r, g, s, slots, k);
                        }
                    }
                } else {
                    System.arraycopy(next, r * k, cur, kept * k, k);
                    pointOf[kept] = g;
                    steps[kept] = t;
                    kept++;
                }
            }
            progress.accept(active - kept);
            active = kept;
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        float[] end = new float[n * k];
        for (int i = 0; i < end.length; i++) {
            end[i] = (float) end64[i];
        }
        return new FixedPointResult(starts, new Points(n, k, end), iterations, states, stepSq, trajectories, every,
                options, seconds, end64);
    }

    private static void record(float[] trajectories, double[] rows, int r, int g, int slot, int slots, int k) {
        int base = (g * slots + slot) * k;
        for (int j = 0; j < k; j++) {
            trajectories[base + j] = (float) rows[r * k + j];
        }
    }
}
