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
 * the k x k systems solved in double by liblf's batched LU ({@link NativeSolve}). The candidates
 * x + s d for s = 1, 1/2, ..., 2^-h (h = {@link Solver.Newton#halvings()}) and the Picard step
 * f(x) are evaluated together (h + 2 evaluations of f) and the one with the smallest residual
 * ||g|| is taken: Newton is used only where it beats Picard (always, near a hyperbolic fixed
 * point, where its residual is quadratically small), and a singular J - I leaves Picard. Newton converges quadratically to any hyperbolic fixed point,
 * attractor or not, so from starts near a saddle it finds the saddle. Far from a fixed point
 * Newton's steps fail and each failure costs a Jacobian: after a step where Picard won, a point takes
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
        // the candidates: x + s d for s = 1, 1/2, ..., 2^-halvings, and the Picard step f(x); one batched evaluation
        int c = halvings + 2;
        float[] cand = new float[m * c * k];
        int[] owner = new int[m * c];
        for (int p = 0; p < m; p++) {
            double step = 1;
            for (int h = 0; h < c; h++) {
                int row = p * c + h;
                owner[row] = positions[p];
                boolean picard = h == c - 1 || singular[p];
                for (int j = 0; j < k; j++) {
                    cand[row * k + j] = picard ? f[p * k + j] : (float) (x[p * k + j] + step * d[p * k + j]);
                }
                step /= 2;
            }
        }
        float[] fc = pool.evaluate(map, cand, owner);
        float[] trial = new float[m * k];
        float[] ft = new float[m * k];
        double[] rt = new double[m];
        for (int p = 0; p < m; p++) {
            int best = c - 1; // the Picard step unless a Newton step leaves a smaller residual
            double bestR = pool.distanceSq(fc, p * c + c - 1, cand, p * c + c - 1);
            for (int h = 0; h < c - 1 && !singular[p]; h++) {
                double r = pool.distanceSq(fc, p * c + h, cand, p * c + h);
                if (r < bestR) {
                    bestR = r;
                    best = h;
                }
            }
            failed[p] = best == c - 1;
            rt[p] = bestR;
            System.arraycopy(cand, (p * c + best) * k, trial, p * k, k);
            System.arraycopy(fc, (p * c + best) * k, ft, p * k, k);
        }
        int stopped = 0;
        for (int p = 0; p < m; p++) {
            int pos = positions[p];
            System.arraycopy(trial, p * k, pool.x, pos * k, k);
            System.arraycopy(ft, p * k, fx, pos * k, k);
            stopped += pool.settle(pos, rt[p], ft, p * k) ? 1 : 0;
        }
        return stopped;
    }
}
