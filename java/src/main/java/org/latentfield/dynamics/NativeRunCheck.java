package org.latentfield.dynamics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.latentfield.data.Points;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.kernels.NativeEngine;
import org.latentfield.map.LatentMap;

/**
 * The spot check after a run of one of liblf's engines ({@link FixedPointSolver#solveNative}):
 * a sample of its endpoints is evaluated again with the reference map (LibTorch), so that a
 * faster path never silently changes the answer.
 *
 * <p>Up to {@code samples} finite endpoints are drawn with a fixed seed, converged ones first
 * and spread over distinct endpoints (so every attractor met in the first 16384 candidates of
 * the seeded order is represented). Two things must hold at each:
 * <ul>
 *   <li>agreement of f: max_j |f_native(z)_j - f_ref(z)_j| &lt;= tolerance (1 + max_j |f_ref(z)_j|);
 *   <li>for a converged endpoint z*, LibTorch confirms the fixed point: ||f_ref(z*) - z*||_2 &lt;=
 *       residualSteps sqrt(tol) + sqrt(k) tolerance (1 + ||f_ref(z*)||_inf), i.e. within
 *       {@code residualSteps} times the step the stopping rule ||z_t - z_{t-1}||^2 &lt; tol let
 *       through (a step ||J|| times the last one, with room for a Jacobian norm above 1 at a
 *       non-normal attractor), plus float rounding.
 * </ul>
 * When no endpoint is finite the starts are checked for agreement instead.
 */
public final class NativeRunCheck {
    private static final int SPREAD_SCAN = 16384;
    private static final double DISTINCT = 1e-3;

    private NativeRunCheck() {}

    /**
     * @param samples       points evaluated per check
     * @param tolerance     relative agreement of f, as in the class comment
     * @param residualSteps how many stopping-rule steps LibTorch's residual at a converged endpoint may span
     * @param seed          of the sample
     */
    public record Options(int samples, double tolerance, double residualSteps, long seed) {
        public static final Options DEFAULT = new Options(64, 1e-4, 10, 7L);

        public Options {
            if (samples < 1 || !(tolerance > 0) || !(residualSteps > 0)) {
                throw new IllegalArgumentException("a native run check needs samples >= 1, tolerance > 0 and residualSteps > 0, got "
                        + samples + ", " + tolerance + ", " + residualSteps);
            }
        }
    }

    /**
     * @param checked      points evaluated
     * @param converged    of them, converged endpoints whose residual was checked
     * @param disagreement max relative difference of f over the checked points
     * @param residual     max ||f_ref(z*) - z*||_2 over the converged ones (0 when none)
     * @param failure      null when both checks held, else one clause saying which did not
     */
    public record Verdict(int checked, int converged, double disagreement, double residual, String failure) {
        public boolean passed() {
            return failure == null;
        }

        /** e.g. "64 endpoints (64 converged) checked against LibTorch: f agrees within 3.1e-07, residual at most 2.2e-04". */
        public String describe() {
            String head = String.format(Locale.ROOT, "%d %s (%d converged) checked against LibTorch", checked,
                    checked == 1 ? "point" : "points", converged);
            return passed() ? head + String.format(Locale.ROOT, ": f agrees within %.2g, residual at most %.2g", disagreement, residual)
                    : head + ": " + failure;
        }
    }

    /** Checks a native run's endpoints against {@code reference}. */
    public static Verdict afterRun(FixedPointResult run, NativeEngine mlp, LatentMap reference, Options o) {
        int[] rows = sample(run.endpoints(), run.states(), o.samples(), o.seed());
        if (rows.length == 0) {
            return atPoints(run.starts(), mlp, reference, o);
        }
        Points z = pick(run.endpoints(), rows);
        boolean[] converged = new boolean[rows.length];
        for (int i = 0; i < rows.length; i++) {
            converged[i] = run.states()[rows[i]] == PointState.CONVERGED;
        }
        return compare(z, converged, Math.sqrt(run.options().tol()), mlp, reference, o);
    }

    /** Checks agreement of f alone at a seeded sample of {@code points} (e.g. before analytic Jacobians). */
    public static Verdict atPoints(Points points, NativeEngine mlp, LatentMap reference, Options o) {
        PointState[] none = new PointState[points.n()];
        java.util.Arrays.fill(none, PointState.NOT_CONVERGED);
        int[] rows = sample(points, none, o.samples(), o.seed());
        return compare(pick(points, rows), new boolean[rows.length], 0, mlp, reference, o);
    }

    private static Verdict compare(Points z, boolean[] converged, double step, NativeEngine mlp, LatentMap reference, Options o) {
        int m = z.n(), k = z.dim();
        if (m == 0) {
            return new Verdict(0, 0, 0, 0, null);
        }
        float[] ref = new float[m * k];
        try (NativeMatrix in = new NativeMatrix(m, k); NativeMatrix out = new NativeMatrix(m, k)) {
            in.putRows(z.data(), 0, 0, m);
            reference.apply(in, out, m);
            out.getRows(0, ref, 0, m);
        }
        float[] nat = mlp.apply(z.data(), m);
        double worst = 0, worstResidual = 0;
        int disagreeing = 0, unconfirmed = 0, checkedResiduals = 0;
        for (int p = 0; p < m; p++) {
            double scale = 0, diff = 0, residual = 0;
            for (int j = 0; j < k; j++) {
                double r = ref[p * k + j];
                scale = Math.max(scale, Math.abs(r));
                diff = Math.max(diff, Math.abs(nat[p * k + j] - r));
                residual += (r - z.get(p, j)) * (r - z.get(p, j));
            }
            double relative = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff / (1 + scale);
            worst = Math.max(worst, relative);
            disagreeing += relative > o.tolerance() ? 1 : 0;
            if (converged[p]) {
                checkedResiduals++;
                residual = Math.sqrt(residual);
                worstResidual = Math.max(worstResidual, Double.isNaN(residual) ? Double.POSITIVE_INFINITY : residual);
                double bound = o.residualSteps() * step + Math.sqrt(k) * o.tolerance() * (1 + scale);
                unconfirmed += !(residual <= bound) ? 1 : 0;
            }
        }
        String failure = null;
        if (disagreeing > 0) {
            failure = String.format(Locale.ROOT, "at %d of %d points the native f differs from LibTorch's by up to %.3g (relative;"
                    + " tolerance %.1g)", disagreeing, m, worst, o.tolerance());
        } else if (unconfirmed > 0) {
            failure = String.format(Locale.ROOT, "%d of %d converged endpoints are not fixed points of LibTorch's f (residual up to"
                    + " %.3g, allowed %.3g)", unconfirmed, checkedResiduals, worstResidual, o.residualSteps() * step);
        }
        return new Verdict(m, checkedResiduals, worst, worstResidual, failure);
    }

    /**
     * Up to {@code m} rows with finite values, seeded: converged rows first, each group in random
     * order, preferring rows far from those already taken (spread over attractors).
     */
    static int[] sample(Points points, PointState[] states, int m, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Integer> first = new ArrayList<>(), rest = new ArrayList<>();
        for (int i = 0; i < points.n(); i++) {
            if (finite(points, i)) {
                (states[i] == PointState.CONVERGED ? first : rest).add(i);
            }
        }
        shuffle(first, random);
        shuffle(rest, random);
        first.addAll(rest);
        List<Integer> taken = new ArrayList<>();
        boolean[] used = new boolean[first.size()];
        for (int c = 0; c < Math.min(first.size(), SPREAD_SCAN) && taken.size() < m; c++) {
            if (farFromAll(points, first.get(c), taken)) {
                taken.add(first.get(c));
                used[c] = true;
            }
        }
        for (int c = 0; c < first.size() && taken.size() < m; c++) {
            if (!used[c]) {
                taken.add(first.get(c));
            }
        }
        return taken.stream().mapToInt(Integer::intValue).toArray();
    }

    private static boolean farFromAll(Points points, int i, List<Integer> taken) {
        for (int t : taken) {
            double diff = 0, scale = 0;
            for (int j = 0; j < points.dim(); j++) {
                diff = Math.max(diff, Math.abs(points.get(i, j) - points.get(t, j)));
                scale = Math.max(scale, Math.abs(points.get(t, j)));
            }
            if (diff <= DISTINCT * (1 + scale)) {
                return false;
            }
        }
        return true;
    }

    private static boolean finite(Points points, int i) {
        for (int j = 0; j < points.dim(); j++) {
            if (!Float.isFinite(points.get(i, j))) {
                return false;
            }
        }
        return true;
    }

    private static void shuffle(List<Integer> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Integer t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    private static Points pick(Points points, int[] rows) {
        float[] data = new float[rows.length * points.dim()];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(points.data(), rows[i] * points.dim(), data, i * points.dim(), points.dim());
        }
        return new Points(rows.length, points.dim(), data);
    }
}
