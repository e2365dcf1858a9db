package org.latentfield.dynamics;

import java.util.Arrays;
import java.util.function.LongConsumer;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Points;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeSolve;
import org.latentfield.map.DifferentiableMap;
import org.latentfield.map.LatentMap;

/**
 * Damped Newton iteration for f(z) = z (issue 12), batched over rows with compaction
 * ({@link RowPool}): with g(x) = f(x) - x and J = J_f(x) materialised,
 * <pre>  d = (J - I)^{-1} (x - f(x)),   x &lt;- x + s d</pre>
 * the k x k systems solved in double by liblf's batched LU ({@link NativeSolve}); s = 1, halved
 * (at most {@link Solver.Newton#halvings()} times, each one more evaluation of f) while
 * ||g(x + s d)|| does not fall below ||g(x)||; if no s does, or J - I is singular, the step is
 * the Picard step x &lt;- f(x). Newton converges quadratically to any hyperbolic fixed point,
 * attractor or not, so from starts near a saddle it finds the saddle. Far from a fixed point
 * Newton's steps fail and each failure costs a Jacobian: after a failed step a point takes
 * b plain Picard steps (no Jacobian) before trying Newton again, b = 1, 2, 4, ... up to
 * {@link #MAX_BACKOFF} on repeated failures, back to 0 after a success. The stopping rule is that
 * of {@link Solver} on the accepted point: its residual ||f(x) - x||^2 &lt; tol, endpoint f(x).
 * Each iteration counts one evaluation of J and one or more of f.
 */
public final class NewtonSolver {
    /** Newton forms and solves one k x k system per point and step; above this k use Anderson. */
    public static final int MAX_K = 256;
    /** The most Picard steps taken between two Newton attempts of a point. */
    public static final int MAX_BACKOFF = 64;
    /** Jacobians are formed for this many points at a time. */
    private static final int CHUNK = 256;

    private NewtonSolver() {}

    public static FixedPointResult solve(LatentMap map, Points starts, FixedPointSolver.Options options, Solver.Newton newton,
                                         LongConsumer progress) {
        int k = map.latentDim();
        if (starts.dim() != k) {
            throw new LatentfieldException("the starting points have dimension " + starts.dim() + " but the model's latent dimension is " + k + ".");
        }
        if (!(map instanceof DifferentiableMap dmap)) {
            throw new LatentfieldException("--solver newton needs the Jacobian of f, which this map does not provide; use anderson.");
        }
        if (k > MAX_K) {
            throw new LatentfieldException("--solver newton solves a k x k system per point and step and is for latent dimensions up to "
                    + MAX_K + "; this model has k = " + k + ": use anderson.");
        }
        if (options.recordEvery() > 0) {
            throw new LatentfieldException("--record-every records Picard trajectories; it cannot be combined with --solver newton.");
        }
        RowPool pool = new RowPool(starts, options);
        float[] fx = new float[pool.batch * k];
        int[] skip = new int[pool.batch];
        int[] backoff = new int[pool.batch];
        long began = System.nanoTime();
        while (true) {
            int[] fresh = pool.admit();
            if (pool.running() == 0) {
                break;
            }
            Cancellation.check();
            int stopped = 0;
            if (fresh.length > 0) { // the first evaluation of a new point is its first iteration
                float[] x0 = pool.gather(fresh);
                float[] f0 = pool.evaluate(map, x0, fresh);
                for (int i = 0; i < fresh.length; i++) {
                    skip[fresh[i]] = 0;
                    backoff[fresh[i]] = 0;
                    System.arraycopy(f0, i * k, fx, fresh[i] * k, k);
                    stopped += pool.settle(fresh[i], pool.distanceSq(f0, i, x0, i), f0, i * k) ? 1 : 0;
                }
            }
            int[] freshSorted = fresh.clone();
            Arrays.sort(freshSorted);
            int[] steppers = Arrays.stream(pool.active()).filter(p -> Arrays.binarySearch(freshSorted, p) < 0).toArray();
            int[] picard = Arrays.stream(steppers).filter(p -> skip[p] > 0).toArray();
            int[] newtons = Arrays.stream(steppers).filter(p -> skip[p] == 0).toArray();
            stopped += picardSteps(map, pool, picard, fx, skip);
            for (int c0 = 0; c0 < newtons.length; c0 += CHUNK) {
                int[] part = Arrays.copyOfRange(newtons, c0, Math.min(newtons.length, c0 + CHUNK));
                boolean[] failed = new boolean[part.length];
                stopped += step(dmap, pool, part, fx, newton.halvings(), failed);
                for (int i = 0; i < part.length; i++) {
                    backoff[part[i]] = failed[i] ? Math.min(MAX_BACKOFF, Math.max(1, 2 * backoff[part[i]])) : 0;
                    skip[part[i]] = backoff[part[i]];
                }
            }
            progress.accept(stopped);
        }
        return pool.result(newton.spec(), (System.nanoTime() - began) / 1e9, true);
    }

    /** One Picard step x &lt;- f(x) of the points at {@code positions}; returns how many stopped. */
    private static int picardSteps(LatentMap map, RowPool pool, int[] positions, float[] fx, int[] skip) {
        int k = pool.k;
        float[] x = new float[positions.length * k];
        for (int i = 0; i < positions.length; i++) {
            System.arraycopy(fx, positions[i] * k, x, i * k, k);
        }
        float[] f = pool.evaluate(map, x, positions);
        int stopped = 0;
        for (int i = 0; i < positions.length; i++) {
            int pos = positions[i];
            skip[pos]--;
            System.arraycopy(x, i * k, pool.x, pos * k, k);
            System.arraycopy(f, i * k, fx, pos * k, k);
            stopped += pool.settle(pos, pool.distanceSq(f, i, x, i), f, i * k) ? 1 : 0;
        }
        return stopped;
    }

    /**
     * One damped Newton iteration of the points at {@code positions}; {@code failed[i]} tells
     * whether point i had to take the Picard step instead. Returns how many stopped.
     */
    private static int step(DifferentiableMap map, RowPool pool, int[] positions, float[] fx, int halvings, boolean[] failed) {
        int k = pool.k;
        int m = positions.length;
        float[] x = pool.gather(positions);
        float[] f = new float[m * k];
        for (int i = 0; i < m; i++) {
            System.arraycopy(fx, positions[i] * k, f, i * k, k);
            pool.jEvals[pool.id(positions[i])]++;
        }
        float[] jac = map.jacobians(x, m);
        double[] a = new double[m * k * k];
        double[] b = new double[m * k];
        for (int p = 0; p < m; p++) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    a[(p * k + i) * k + j] = jac[(p * k + i) * k + j] - (i == j ? 1 : 0);
                }
                b[p * k + i] = (double) x[p * k + i] - f[p * k + i];
            }
        }
        double[] d = new double[m * k];
        boolean[] singular = NativeSolve.solve(a, b, m, k, d, Device.CPU);
        double[] r0 = new double[m];
        for (int p = 0; p < m; p++) {
            r0[p] = pool.distanceSq(f, p, x, p);
        }
        float[] trial = new float[m * k];
        float[] ft = new float[m * k];
        double[] rt = new double[m];
        boolean[] picard = singular.clone();
        int[] pending = java.util.stream.IntStream.range(0, m).toArray();
        double s = 1;
        for (int attempt = 0; attempt <= halvings + 1 && pending.length > 0; attempt++) {
            boolean last = attempt == halvings + 1;
            for (int p : pending) {
                if (last) {
                    picard[p] = true;
                }
                for (int j = 0; j < k; j++) {
                    trial[p * k + j] = picard[p] ? f[p * k + j] : (float) (x[p * k + j] + s * d[p * k + j]);
                }
            }
            int[] pos = Arrays.stream(pending).map(p -> positions[p]).toArray();
            float[] rows = new float[pending.length * k];
            for (int i = 0; i < pending.length; i++) {
                System.arraycopy(trial, pending[i] * k, rows, i * k, k);
            }
            float[] fr = pool.evaluate(map, rows, pos);
            for (int i = 0; i < pending.length; i++) {
                int p = pending[i];
                System.arraycopy(fr, i * k, ft, p * k, k);
                rt[p] = pool.distanceSq(ft, p, trial, p);
            }
            // a Picard step is taken as it comes; a Newton step must lower the residual
            pending = Arrays.stream(pending).filter(p -> !picard[p] && !(rt[p] < r0[p])).toArray();
            s /= 2;
        }
        int stopped = 0;
        for (int p = 0; p < m; p++) {
            int pos = positions[p];
            failed[p] = picard[p];
            System.arraycopy(trial, p * k, pool.x, pos * k, k);
            System.arraycopy(ft, p * k, fx, pos * k, k);
            stopped += pool.settle(pos, rt[p], ft, p * k) ? 1 : 0;
        }
        return stopped;
    }
}
