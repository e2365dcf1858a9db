package org.latentfield.mining;

import java.util.Arrays;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.PointState;
import org.latentfield.report.IterationStats;

/**
 * The per-start facts of a run summed as its chunks finish: how many starts ended in each
 * state, exact histograms of iteration, f-evaluation and Jacobian-evaluation counts (so the
 * median and percentiles of summary.json are the same as over the whole run's arrays), the
 * total point-iterations and the seconds spent iterating. Memory: O(largest count).
 */
public final class RunTally {
    private long samples;
    private final long[] states = new long[PointState.values().length];
    private long[] iterations = new long[0];
    private long[] evaluations = new long[0];
    private long[] jacobianEvaluations = new long[0];
    private boolean jacobians;
    private long pointIterations;
    private double seconds;
    private String solver;
    private String iterationDtype;

    /** Adds a finished chunk. */
    public void add(FixedPointResult r) {
        samples += r.size();
        for (PointState s : r.states()) {
            states[s.ordinal()]++;
        }
        iterations = count(iterations, r.iterations());
        evaluations = count(evaluations, r.evaluations());
        if (r.jEvals() != null) {
            jacobians = true;
            jacobianEvaluations = count(jacobianEvaluations, r.jEvals());
        }
        pointIterations += r.pointIterations();
        seconds += r.seconds();
        solver = r.solver();
        iterationDtype = r.iterationDtype();
    }

    /** Adds another tally's saved state (a partition of the same run). */
    public void add(Saved s) {
        samples += s.samples();
        for (int i = 0; i < states.length; i++) {
            states[i] += s.states()[i];
        }
        iterations = plus(iterations, s.iterations());
        evaluations = plus(evaluations, s.evaluations());
        if (s.jacobianEvaluations() != null) {
            jacobians = true;
            jacobianEvaluations = plus(jacobianEvaluations, s.jacobianEvaluations());
        }
        pointIterations += s.pointIterations();
        seconds += s.seconds();
        solver = s.solver() != null ? s.solver() : solver;
        iterationDtype = s.iterationDtype() != null ? s.iterationDtype() : iterationDtype;
    }

    private static long[] plus(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, Math.max(a.length, b.length));
        for (int i = 0; i < b.length; i++) {
            out[i] += b[i];
        }
        return out;
    }

    private static long[] count(long[] hist, int[] values) {
        for (int v : values) {
            if (v >= hist.length) {
                hist = Arrays.copyOf(hist, Math.max(v + 1, hist.length * 2));
            }
            hist[v]++;
        }
        return hist;
    }

    public long samples() {
        return samples;
    }

    /** Starts that ended in {@code state}. */
    public long count(PointState state) {
        return states[state.ordinal()];
    }

    public IterationStats iterations() {
        return IterationStats.ofHistogram(iterations);
    }

    public IterationStats evaluations() {
        return IterationStats.ofHistogram(evaluations);
    }

    /** Statistics of the Jacobian evaluations, or null when the solver takes none. */
    public IterationStats jacobianEvaluations() {
        return jacobians ? IterationStats.ofHistogram(jacobianEvaluations) : null;
    }

    public long pointIterations() {
        return pointIterations;
    }

    public double seconds() {
        return seconds;
    }

    /** Point-iterations per second of iteration time. */
    public double pointIterationsPerSecond() {
        return seconds > 0 ? pointIterations / seconds : Double.NaN;
    }

    /** The solver of the chunks ("picard", "anderson:5", ...), null before the first. */
    public String solver() {
        return solver;
    }

    /** "float32" or "float64", as {@link FixedPointResult#iterationDtype()}; null before the first chunk. */
    public String iterationDtype() {
        return iterationDtype;
    }

    /** The state of the tally, to save in a checkpoint. */
    public Saved save() {
        return new Saved(samples, states.clone(), iterations.clone(), evaluations.clone(), jacobians ? jacobianEvaluations.clone() : null,
                pointIterations, seconds, solver, iterationDtype);
    }

    /** A tally restored from a checkpoint. */
    public static RunTally restore(Saved s) {
        RunTally t = new RunTally();
        t.samples = s.samples();
        System.arraycopy(s.states(), 0, t.states, 0, t.states.length);
        t.iterations = s.iterations().clone();
        t.evaluations = s.evaluations().clone();
        t.jacobians = s.jacobianEvaluations() != null;
        t.jacobianEvaluations = t.jacobians ? s.jacobianEvaluations().clone() : new long[0];
        t.pointIterations = s.pointIterations();
        t.seconds = s.seconds();
        t.solver = s.solver();
        t.iterationDtype = s.iterationDtype();
        return t;
    }

    /** A tally's state in plain arrays (for JSON). */
    public record Saved(long samples, long[] states, long[] iterations, long[] evaluations, long[] jacobianEvaluations, long pointIterations,
                        double seconds, String solver, String iterationDtype) {}
}
