package org.latentfield.dynamics;

import java.util.function.LongConsumer;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Points;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.NativeAnderson;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.LatentMap;

/**
 * Type-II Anderson acceleration of z = f(z) (Walker and Ni 2011; issue 12), batched over rows
 * with compaction ({@link RowPool}), the mixing step in liblf ({@link NativeAnderson}).
 *
 * <p>For one point, with g_t = f(x_t) - x_t and the last m differences
 * dX = [x_{j+1} - x_j], dG = [g_{j+1} - g_j]:
 * <pre>  gamma = argmin ||g_t - dG gamma||^2 + lambda ||dG||_F^2 / m ||gamma||^2
 *   x_{t+1} = x_t + beta g_t - (dX + beta dG) gamma</pre>
 * With no history (the first step, or after a restart) the step is x + beta g, which for
 * beta = 1 is exactly the Picard step f(x). Safeguard: when ||g_t|| exceeds
 * {@code safeguard} times the previous residual, the history is dropped and a Picard step is
 * taken. The stopping rule, states and endpoints are those of {@link Solver}: one evaluation of
 * f per iteration, stop when ||f(x) - x||^2 &lt; tol, endpoint f(x).
 *
 * <p>Iterates are float32 (the history is held by liblf in float32, the least squares solved
 * in double); a float64 model's endpoints are refined in float64 afterwards by the identity
 * rule's polishing.
 */
public final class AndersonSolver {
    private AndersonSolver() {}

    public static FixedPointResult solve(LatentMap map, Points starts, FixedPointSolver.Options options, Solver.Anderson a,
                                         LongConsumer progress) {
        if (starts.dim() != map.latentDim()) {
            throw new LatentfieldException("the starting points have dimension " + starts.dim() + " but the model's latent dimension is "
                    + map.latentDim() + ".");
        }
        if (options.recordEvery() > 0) {
            throw new LatentfieldException("--record-every records Picard trajectories; it cannot be combined with --solver " + a.spec() + ".");
        }
        RowPool pool = new RowPool(starts, options);
        int k = pool.k;
        long began = System.nanoTime();
        try (NativeMatrix x = new NativeMatrix(pool.batch, k);
             NativeMatrix fx = new NativeMatrix(pool.batch, k);
             NativeMatrix next = new NativeMatrix(pool.batch, k);
             NativeAnderson acc = new NativeAnderson(pool.batch, k, a.memory(), a.beta(), a.lambda(), a.safeguard())) {
            float[] xs = new float[pool.batch * k];
            float[] fs = new float[pool.batch * k];
            float[] ns = new float[pool.batch * k];
            boolean[] fallback = new boolean[pool.batch];
            while (true) {
                for (int pos : pool.admit()) {
                    acc.reset(pos);
                }
                int[] active = pool.active();
                int m = active.length;
                if (m == 0) {
                    break;
                }
                Cancellation.check();
                for (int i = 0; i < m; i++) {
                    x.putRows(pool.x, active[i], i, 1);
                }
                map.apply(x, fx, m);
                acc.step(x, fx, active, m, next, fallback);
                x.getRows(0, xs, 0, m);
                fx.getRows(0, fs, 0, m);
                next.getRows(0, ns, 0, m);
                int stopped = 0;
                for (int i = 0; i < m; i++) {
                    int pos = active[i];
                    pool.fEvals[pool.id(pos)]++;
                    if (pool.settle(pos, pool.distanceSq(fs, i, xs, i), fs, i * k)) {
                        stopped++;
                    } else {
                        System.arraycopy(ns, i * k, pool.x, pos * k, k);
                    }
                }
                progress.accept(stopped);
            }
        }
        return pool.result(a.spec(), (System.nanoTime() - began) / 1e9, false);
    }
}
