package org.latentfield.dynamics;

import java.util.Arrays;
import org.latentfield.data.Points;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.LatentMap;

/**
 * The rows in flight of a root-finding solver ({@link AndersonSolver}, {@link NewtonSolver}):
 * {@code batch} positions, each holding one start's current iterate x, refilled with the next
 * start as soon as its point stops (compaction: f is only evaluated on points still running),
 * and the per-point results under the common stopping rule of {@link Solver}.
 */
final class RowPool {
    final int n;
    final int k;
    final int batch;
    /** Current iterate of each position (batch x k). */
    final float[] x;
    private final Points starts;
    private final FixedPointSolver.Options options;
    private final int[] idAt;
    private int admitted;
    private int running;
    final float[] endpoints;
    final int[] iterations;
    final int[] fEvals;
    final int[] jEvals;
    final float[] stepSq;
    final PointState[] states;

    RowPool(Points starts, FixedPointSolver.Options options) {
        this.starts = starts;
        this.options = options;
        this.n = starts.n();
        this.k = starts.dim();
        this.batch = Math.max(1, Math.min(options.batchSize(), n));
        this.x = new float[batch * k];
        this.idAt = new int[batch];
        Arrays.fill(idAt, -1);
        this.endpoints = new float[n * k];
        this.iterations = new int[n];
        this.fEvals = new int[n];
        this.jEvals = new int[n];
        this.stepSq = new float[n];
        this.states = new PointState[n];
    }

    /** Gives every free position the next start; returns the positions filled. */
    int[] admit() {
        int[] filled = new int[batch];
        int count = 0;
        for (int pos = 0; pos < batch && admitted < n; pos++) {
            if (idAt[pos] < 0) {
                idAt[pos] = admitted;
                System.arraycopy(starts.data(), admitted * k, x, pos * k, k);
                admitted++;
                running++;
                filled[count++] = pos;
            }
        }
        return Arrays.copyOf(filled, count);
    }

    /** The positions in use, ascending. */
    int[] active() {
        int[] a = new int[running];
        int c = 0;
        for (int pos = 0; pos < batch; pos++) {
            if (idAt[pos] >= 0) {
                a[c++] = pos;
            }
        }
        return a;
    }

    int running() {
        return running;
    }

    /** The global id of the point at a position. */
    int id(int pos) {
        return idAt[pos];
    }

    /**
     * Counts one iteration of the point at {@code pos}, whose last evaluation was
     * f(x) = {@code f[off .. off + k)} with squared residual {@code residualSq}, and applies the
     * stopping rule; a point that stops keeps f(x) as its endpoint and frees its position.
     *
     * @return true when the point stopped
     */
    boolean settle(int pos, double residualSq, float[] f, int off) {
        int g = idAt[pos];
        int t = ++iterations[g];
        double norm = 0;
        boolean finite = true;
        for (int j = 0; j < k; j++) {
            double v = f[off + j];
            norm += v * v;
            finite &= Double.isFinite(v);
        }
        PointState s = FixedPointSolver.stopState(residualSq, norm, finite, t, options);
        if (s == null) {
            return false;
        }
        states[g] = s;
        stepSq[g] = (float) residualSq;
        System.arraycopy(f, off, endpoints, g * k, k);
        idAt[pos] = -1;
        running--;
        return true;
    }

    /** The rows of {@code x} at {@code positions}, as an m x k array. */
    float[] gather(int[] positions) {
        float[] out = new float[positions.length * k];
        for (int i = 0; i < positions.length; i++) {
            System.arraycopy(x, positions[i] * k, out, i * k, k);
        }
        return out;
    }

    /**
     * f at the m rows of {@code rows} (m x k), which belong to the points at {@code positions},
     * in one batched evaluation; counted in those points' fEvals.
     */
    float[] evaluate(LatentMap map, float[] rows, int[] positions) {
        int m = positions.length;
        float[] out = new float[m * k];
        if (m == 0) {
            return out;
        }
        try (NativeMatrix in = new NativeMatrix(m, k); NativeMatrix res = new NativeMatrix(m, k)) {
            in.putRows(rows, 0, 0, m);
            for (int pos : positions) {
                fEvals[idAt[pos]]++;
            }
            map.apply(in, res, m);
            res.getRows(0, out, 0, m);
        }
        return out;
    }

    /** ||a_i - b_i||^2 in double for row i of two m x k arrays. */
    double distanceSq(float[] a, int aRow, float[] b, int bRow) {
        double s = 0;
        for (int j = 0; j < k; j++) {
            double d = (double) a[aRow * k + j] - b[bRow * k + j];
            s += d * d;
        }
        return s;
    }

    FixedPointResult result(String solver, double seconds, boolean jacobians) {
        return new FixedPointResult(starts, new Points(n, k, endpoints), iterations, states, stepSq, null, 0, options, seconds, null, solver,
                fEvals, jacobians ? jEvals : null);
    }
}
