package org.latentfield.dynamics;

import java.util.Arrays;
import org.latentfield.data.Points;

/**
 * Outcome of iterating z_{t+1} = f(z_t) from n starting points.
 *
 * @param starts        the starting points z_0
 * @param endpoints     the final iterate of each point: the z_t at which it stopped (for a
 *                      diverged point the offending iterate, possibly non-finite)
 * @param iterations    per point, the number of applications of f: the smallest t >= 1 with
 *                      ||z_t - z_{t-1}||^2 < tol for converged points, max-iter for points that
 *                      hit the cap, the step at which divergence was detected otherwise
 * @param states        per point, how the iteration ended
 * @param finalStepSq   per point, ||z_t - z_{t-1}||^2 of its last step: for Picard z_t = f(z_{t-1}), so
 *                      this is the squared residual ||f(z) - z||^2 at the last point f was
 *                      evaluated at; the accelerated solvers report that residual too
 * @param trajectories  null, or n x slots x dim values: slot s holds z_{s * recordEvery}; slots
 *                      after a point stopped repeat its endpoint
 * @param recordEvery   the recording period (0 when nothing was recorded)
 * @param options       the settings of the run
 * @param seconds       wall time of the iteration
 * @param endpoints64   the endpoints as iterated, n x dim, when the iterates were kept in float64
 *                      (a {@link org.latentfield.map.Float64Map}); null for float32 iteration,
 *                      whose endpoints are {@code endpoints}
 * @param solver        the solver that produced it ("picard", "anderson:5", "newton")
 * @param fEvals        per point, evaluations of f (Picard and Anderson: one per iteration;
 *                      Newton: one per iteration plus its line-search trials); null means equal
 *                      to {@code iterations}
 * @param jEvals        per point, evaluations of the Jacobian J_f (Newton: one per iteration);
 *                      null means none
 */
public record FixedPointResult(Points starts, Points endpoints, int[] iterations, PointState[] states, float[] finalStepSq,
                               float[] trajectories, int recordEvery, FixedPointSolver.Options options, double seconds,
                               double[] endpoints64, String solver, int[] fEvals, int[] jEvals) {

    /** A Picard run. */
    public FixedPointResult(Points starts, Points endpoints, int[] iterations, PointState[] states, float[] finalStepSq,
                            float[] trajectories, int recordEvery, FixedPointSolver.Options options, double seconds, double[] endpoints64) {
        this(starts, endpoints, iterations, states, finalStepSq, trajectories, recordEvery, options, seconds, endpoints64, "picard", null, null);
    }

    /** A Picard run iterated in float32. */
    public FixedPointResult(Points starts, Points endpoints, int[] iterations, PointState[] states, float[] finalStepSq,
                            float[] trajectories, int recordEvery, FixedPointSolver.Options options, double seconds) {
        this(starts, endpoints, iterations, states, finalStepSq, trajectories, recordEvery, options, seconds, null);
    }

    /** Evaluations of f per point. */
    public int[] evaluations() {
        return fEvals != null ? fEvals : iterations;
    }

    /** Evaluations of J_f per point (zeros for the solvers that use none). */
    public int[] jacobianEvaluations() {
        return jEvals != null ? jEvals : new int[iterations.length];
    }

    /** "float64" when the iterates were kept in float64, else "float32". */
    public String iterationDtype() {
        return endpoints64 != null ? "float64" : "float32";
    }

    public int size() {
        return starts.n();
    }

    /** Number of trajectory slots per point (0 when nothing was recorded). */
    public int slots() {
        return recordEvery == 0 ? 0 : options.maxIter() / recordEvery + 1;
    }

    public long count(PointState state) {
        return Arrays.stream(states).filter(s -> s == state).count();
    }

    public boolean converged(int i) {
        return states[i] == PointState.CONVERGED;
    }

    /** Total applications of f over all points: sum of iterations. */
    public long pointIterations() {
        long sum = 0;
        for (int t : iterations) {
            sum += t;
        }
        return sum;
    }

    /** Point-iterations per second of wall time. */
    public double pointIterationsPerSecond() {
        return seconds > 0 ? pointIterations() / seconds : Double.NaN;
    }
}
