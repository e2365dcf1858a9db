package org.latentfield.dynamics;

import java.util.Arrays;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.NativeAnderson;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.DifferentiableMap;
import org.latentfield.map.Float64Map;
import org.latentfield.map.LatentMap;

/**
 * Refines approximate fixed points (the endpoints of a stopped iteration) until their residual is
 * known: r(z) = ||f(z) - z||_2 &lt;= tol * max(1, ||z||_2), and measures the spectrum of J_f at
 * the refined point ({@link LocalSpectrum}: rho, the gap to 1, the kind of fixed point; issue 12).
 *
 * <p>Steps: where J_f is available (a {@link DifferentiableMap}) and k &lt;= {@link #NEWTON_MAX_K},
 * the chord method towards fixed points already polished, Anderson acceleration and damped
 * Newton on g(z) = f(z) - z (z &lt;- z - s (J_f(z) - I)^{-1} g(z), solved in double by LU with
 * partial pivoting, the best of s = 1, 1/2, 1/4 and the Picard step), organised in rounds so
 * that J_f is formed once per distinct fixed point ({@link #polish}). Without J_f: Picard steps,
 * and the spectrum is undefined. Values are kept in double where the map iterates in float64 (a
 * {@link Float64Map}), else in float32, whose residual floor is about {@link #FLOAT32_FLOOR}
 * times max(1, ||z||): a tolerance below that floor is raised to it, and {@link Result#tol}
 * says which one was used.
 *
 * <p>Why it matters: a point with residual r near a fixed point z* where f contracts at rate
 * rho &lt; 1 is within r / (1 - rho) of z* (||z - z*|| &lt;= ||z - f(z)|| + ||f(z) - f(z*)||
 * &lt;= r + rho ||z - z*|| to first order), so the distance from a polished point to its fixed
 * point is bounded by a number that no longer depends on the scale of z; see
 * {@link FixedPointIdentity}.
 */
public final class FixedPointPolish {
    /** Relative residual float32 evaluation can reach: a few ulps of the largest coordinate. */
    public static final double FLOAT32_FLOOR = 1e-6;
    /** Default tolerance in float64 (issue 12: --polish-tol). */
    public static final double DEFAULT_TOL = 1e-9;
    /** Newton is used up to this latent dimension (a k x k solve per point and step). */
    public static final int NEWTON_MAX_K = 256;

    private FixedPointPolish() {}

    /**
     * @param points   n x k polished fixed points (double)
     * @param residual ||f(z) - z|| at each
     * @param rho      spectral radius of J_f at each (NaN without Jacobians)
     * @param gap      min_i |1 - lambda_i(J_f)| at each: the distance of the spectrum to 1 (NaN without Jacobians)
     * @param kind     what kind of fixed point each is, from the moduli of the eigenvalues of J_f
     * @param steps    refinement steps taken by each
     * @param reached  whether the residual met the tolerance
     * @param tol      the relative tolerance used (raised to the float32 floor where needed)
     * @param method   "newton" or "picard"
     * @param seeded   points polished with their own Jacobians (the others by the chord method
     *                 towards a fixed point already polished, see {@link #polish})
     */
    public record Result(double[] points, double[] residual, double[] rho, double[] gap, FixedPointKind[] kind, int[] steps, boolean[] reached,
                         double tol, String method, int seeded) {
        public int n() {
            return residual.length;
        }
    }

    /** Chord steps a point takes towards a known fixed point before it is given up on. */
    static final int CHORD_STEPS = 12;
    /** Times a point tries the chord method (against its nearest known fixed point) before it is polished on its own. */
    static final int CHORD_TRIES = 2;

    /**
     * Polishes the n rows of {@code z} (n x k float32) to relative residual {@code tol}, at most
     * {@code maxSteps} steps each.
     *
     * <p>Jacobians are what polishing costs (k vector-Jacobian products each), and most endpoints
     * of a run share their fixed point with many others. So, where J_f exists and k is small,
     * points are polished in rounds. Each round first sends every point to the nearest fixed
     * point already polished, q, when it lies within reach, e_z + e_q with e_z = r(z) / 1e-3 +
     * floor max(1, ||z||) (r / 1e-3 bounds the distance to the fixed point for any gap above
     * 1e-3): the chord method z &lt;- z - (J_q - I)^{-1} (f(z) - z), with the LU factors of
     * J_q - I computed once per fixed point, at most {@link #CHORD_STEPS} steps. A point that
     * reaches the tolerance there and is then the same fixed point as q by the identity rule
     * ({@link FixedPointIdentity}: ||z - q|| &lt;= e_z + e_q with q's gap) is q's, and takes
     * q's spectrum. The remaining points seed new fixed points: a greedy set of them, pairwise
     * out of reach, is polished without Jacobians by Anderson acceleration (float32 models; then
     * damped Newton with their own Jacobians for any seed Anderson leaves short, and for float64
     * models), and J_f at each polished seed gives its spectrum and its LU factors: one Jacobian
     * per distinct fixed point where Anderson suffices. Points within reach of a seed wait
     * for the next round. A point that failed the chord method {@link #CHORD_TRIES} times is
     * polished on its own. Every point ends polished by a solver whose residual is measured, so
     * the shortcut changes the cost, not what counts as polished.
     */
    public static Result polish(LatentMap map, float[] z, int n, double tol, int maxSteps) {
        int k = map.latentDim();
        boolean float64 = map instanceof Float64Map m && m.iteratesInFloat64();
        double used = float64 ? tol : Math.max(tol, FLOAT32_FLOOR);
        double floor = float64 ? 1e-14 : FLOAT32_FLOOR;
        boolean newton = map instanceof DifferentiableMap && k <= NEWTON_MAX_K;
        State st = new State(map, z, n, k, float64, used);
        if (!newton) {
            st.picard(java.util.stream.IntStream.range(0, n).toArray(), maxSteps);
            LocalSpectrum spectrum = LocalSpectrum.at(map, st.x, n, k);
            return st.result(spectrum.rho(), spectrum.gap(), spectrum.kind(), "picard", 0);
        }
        DifferentiableMap dmap = (DifferentiableMap) map;
        LocalSpectrum spectra = LocalSpectrum.undefined(n);
        double[] rho = spectra.rho();
        double[] gap = spectra.gap();
        FixedPointKind[] kind = spectra.kind();
        double[] reach = new double[n];
        for (int p = 0; p < n; p++) {
            reach[p] = FixedPointIdentity.radius(st.res[p], FixedPointIdentity.MIN_GAP, norm(st.x, p, k), floor);
        }
        boolean[] done = new boolean[n];
        int[] tries = new int[n];
        java.util.List<Known> known = new java.util.ArrayList<>();
        int seeded = 0;
        while (true) {
            Cancellation.check();
            int[] open = java.util.stream.IntStream.range(0, n).filter(p -> !done[p]).toArray();
            if (open.length == 0) {
                break;
            }
            // 1. the chord method towards the nearest known fixed point in reach
            java.util.List<Integer> chordRows = new java.util.ArrayList<>();
            java.util.List<Known> targets = new java.util.ArrayList<>();
            for (int p : open) {
                Known q = tries[p] < CHORD_TRIES ? nearest(known, st.x, p, k) : null;
                if (q != null && distance(st.x, p, q.point, k) <= reach[p] + q.reach) {
                    chordRows.add(p);
                    targets.add(q);
                }
            }
            boolean[] failed = new boolean[n];
            if (!chordRows.isEmpty()) {
                int[] rows = chordRows.stream().mapToInt(Integer::intValue).toArray();
                st.chord(rows, targets, CHORD_STEPS);
                for (int i = 0; i < rows.length; i++) {
                    int p = rows[i];
                    Known q = targets.get(i);
                    double e = FixedPointIdentity.radius(st.res[p], q.gap, norm(st.x, p, k), floor);
                    if (st.reached(p) && distance(st.x, p, q.point, k) <= e + q.radius) {
                        done[p] = true;
                        rho[p] = q.rho;
                        gap[p] = q.gap;
                        kind[p] = q.kind;
                    } else {
                        tries[p]++;
                        failed[p] = true;
                        st.restore(p);
                    }
                }
            }
            // 2. seeds: a greedy set of the rest, pairwise out of reach
            java.util.List<Integer> seeds = new java.util.ArrayList<>();
            for (int p : open) {
                if (done[p] || (chordRows.contains(p) && !failed[p])) {
                    continue;
                }
                boolean near = false;
                for (int s : seeds) {
                    near |= tries[p] < CHORD_TRIES && distance(st.x, p, st.x, s, k) <= reach[p] + reach[s];
                }
                if (!near) {
                    seeds.add(p);
                }
            }
            if (seeds.isEmpty()) {
                continue;
            }
            int[] rows = seeds.stream().mapToInt(Integer::intValue).toArray();
            seeded += rows.length;
            if (!float64) { // Anderson needs no Jacobian; float32 history is exact enough for the float32 floor
                st.anderson(rows, maxSteps);
            }
            st.newton(dmap, st.open(rows), maxSteps);
            float[] xf = new float[rows.length * k];
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < k; j++) {
                    xf[i * k + j] = (float) st.x[rows[i] * k + j];
                }
            }
            float[] jac = dmap.jacobians(xf, rows.length);
            LocalSpectrum spectrum = LocalSpectrum.of(jac, rows.length, k);
            for (int i = 0; i < rows.length; i++) {
                int p = rows[i];
                done[p] = true;
                rho[p] = spectrum.rho()[i];
                gap[p] = spectrum.gap()[i];
                kind[p] = spectrum.kind()[i];
                if (!st.reached(p)) {
                    continue;
                }
                double[] a = new double[k * k];
                for (int r = 0; r < k; r++) {
                    for (int c = 0; c < k; c++) {
                        a[r * k + c] = jac[(i * k + r) * k + c] - (r == c ? 1 : 0);
                    }
                }
                LinearSolve.Lu lu = LinearSolve.factor(a, k);
                if (lu != null) {
                    double[] point = Arrays.copyOfRange(st.x, p * k, p * k + k);
                    known.add(new Known(point, lu, rho[p], gap[p], kind[p],
                            FixedPointIdentity.radius(st.res[p], gap[p], norm(st.x, p, k), floor), reach[p]));
                }
            }
        }
        return st.result(rho, gap, kind, "newton", seeded);
    }

    /** A polished fixed point: its point, the LU factors of J - I there, its spectrum, its identity radius and its reach. */
    private record Known(double[] point, LinearSolve.Lu lu, double rho, double gap, FixedPointKind kind, double radius, double reach) {}

    private static Known nearest(java.util.List<Known> known, double[] x, int p, int k) {
        Known best = null;
        double bd = Double.POSITIVE_INFINITY;
        for (Known q : known) {
            double d = distance(x, p, q.point, k);
            if (d < bd) {
                bd = d;
                best = q;
            }
        }
        return best;
    }

    private static double distance(double[] x, int p, double[] y, int k) {
        double s = 0;
        for (int j = 0; j < k; j++) {
            double d = x[p * k + j] - y[j];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    private static double distance(double[] x, int p, double[] y, int q, int k) {
        double s = 0;
        for (int j = 0; j < k; j++) {
            double d = x[p * k + j] - y[q * k + j];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    /** The points being polished, their f, residuals and step counts; the endpoints they started from. */
    private static final class State {
        final int n;
        final int k;
        final double used;
        final double[] start;
        final double[] x;
        final double[] fx;
        final double[] startF;
        final double[] res;
        final double[] startRes;
        final int[] steps;
        final Evaluator f;

        State(LatentMap map, float[] z, int n, int k, boolean float64, double used) {
            this.n = n;
            this.k = k;
            this.used = used;
            this.x = new double[n * k];
            for (int i = 0; i < n * k; i++) {
                x[i] = z[i];
            }
            this.fx = new double[n * k];
            this.res = new double[n];
            this.steps = new int[n];
            this.f = new Evaluator(map, k, float64);
            f.apply(x, fx, n);
            for (int p = 0; p < n; p++) {
                res[p] = residualAt(x, fx, p, k);
            }
            this.start = x.clone();
            this.startF = fx.clone();
            this.startRes = res.clone();
        }

        boolean reached(int p) {
            return res[p] <= used * Math.max(1, norm(x, p, k));
        }

        /** Back to the endpoint it started from (after a chord attempt that did not hold). */
        void restore(int p) {
            System.arraycopy(start, p * k, x, p * k, k);
            System.arraycopy(startF, p * k, fx, p * k, k);
            res[p] = startRes[p];
        }

        int[] open(int[] rows) {
            return Arrays.stream(rows).filter(p -> !reached(p)).toArray();
        }

        /** Replaces the rows' points by the candidates when they lower the residual. */
        void accept(int[] rows, double[] cand, double[] fc) {
            for (int i = 0; i < rows.length; i++) {
                int p = rows[i];
                double r = residualAt(cand, fc, i, k);
                steps[p]++;
                if (r < res[p]) {
                    System.arraycopy(cand, i * k, x, p * k, k);
                    System.arraycopy(fc, i * k, fx, p * k, k);
                    res[p] = r;
                }
            }
        }

        void picard(int[] rows, int maxSteps) {
            for (int step = 0; step < maxSteps; step++) {
                Cancellation.check();
                int[] open = open(rows);
                if (open.length == 0) {
                    return;
                }
                double[] cand = gather(fx, open, k);
                double[] fc = new double[cand.length];
                f.apply(cand, fc, open.length);
                for (int i = 0; i < open.length; i++) { // a Picard step is taken as it comes
                    int p = open[i];
                    System.arraycopy(cand, i * k, x, p * k, k);
                    System.arraycopy(fc, i * k, fx, p * k, k);
                    res[p] = residualAt(cand, fc, i, k);
                    steps[p]++;
                }
            }
        }

        /** Chord steps z &lt;- z - (J_q - I)^{-1} (f(z) - z), the factors of each row's target q fixed. */
        void chord(int[] rows, java.util.List<Known> targets, int maxSteps) {
            for (int step = 0; step < maxSteps; step++) {
                Cancellation.check();
                int[] open = java.util.stream.IntStream.range(0, rows.length).filter(i -> !reached(rows[i])).toArray();
                if (open.length == 0) {
                    return;
                }
                double[] cand = new double[open.length * k];
                int[] who = new int[open.length];
                for (int i = 0; i < open.length; i++) {
                    int p = rows[open[i]];
                    who[i] = p;
                    double[] g = new double[k];
                    for (int j = 0; j < k; j++) {
                        g[j] = fx[p * k + j] - x[p * k + j];
                    }
                    double[] d = targets.get(open[i]).lu.solve(g, 0);
                    for (int j = 0; j < k; j++) {
                        cand[i * k + j] = x[p * k + j] - d[j];
                    }
                }
                double[] fc = new double[cand.length];
                f.apply(cand, fc, open.length);
                double[] before = new double[open.length];
                for (int i = 0; i < open.length; i++) {
                    before[i] = res[who[i]];
                }
                accept(who, cand, fc);
                boolean progress = false;
                for (int i = 0; i < open.length; i++) {
                    progress |= res[who[i]] < before[i];
                }
                if (!progress) {
                    return;
                }
            }
        }

        /**
         * Type-II Anderson acceleration (memory 5, liblf's {@link NativeAnderson}) of the rows
         * until they reach the tolerance or {@code maxSteps} steps: no Jacobian, one evaluation
         * of f per step.
         */
        void anderson(int[] rows, int maxSteps) {
            int m = rows.length;
            try (NativeMatrix xs = new NativeMatrix(m, k); NativeMatrix fs = new NativeMatrix(m, k); NativeMatrix next = new NativeMatrix(m, k);
                 NativeAnderson acc = new NativeAnderson(m, k, Solver.Anderson.DEFAULT_MEMORY, 1.0, Solver.Anderson.DEFAULT_LAMBDA,
                         Solver.Anderson.DEFAULT_SAFEGUARD)) {
                float[] a = new float[m * k];
                float[] b = new float[m * k];
                boolean[] fallback = new boolean[m];
                for (int step = 0; step < maxSteps; step++) {
                    Cancellation.check();
                    int[] open = java.util.stream.IntStream.range(0, m).filter(i -> !reached(rows[i])).toArray();
                    if (open.length == 0) {
                        return;
                    }
                    for (int i = 0; i < open.length; i++) {
                        int p = rows[open[i]];
                        for (int j = 0; j < k; j++) {
                            a[i * k + j] = (float) x[p * k + j];
                            b[i * k + j] = (float) fx[p * k + j];
                        }
                    }
                    xs.putRows(a, 0, 0, open.length);
                    fs.putRows(b, 0, 0, open.length);
                    acc.step(xs, fs, open, open.length, next, fallback);
                    next.getRows(0, a, 0, open.length);
                    double[] cand = new double[open.length * k];
                    for (int i = 0; i < cand.length; i++) {
                        cand[i] = a[i];
                    }
                    double[] fc = new double[cand.length];
                    f.apply(cand, fc, open.length);
                    for (int i = 0; i < open.length; i++) { // the history needs every step, taken as it comes
                        int p = rows[open[i]];
                        System.arraycopy(cand, i * k, x, p * k, k);
                        System.arraycopy(fc, i * k, fx, p * k, k);
                        res[p] = residualAt(cand, fc, i, k);
                        steps[p]++;
                    }
                }
            }
        }

        /**
         * Damped Newton with each row's own Jacobian: the candidates x + s d for s = 1, 1/2, 1/4
         * and the Picard step f(x), evaluated together; the best that lowers the residual is taken.
         */
        void newton(DifferentiableMap map, int[] rows, int maxSteps) {
            for (int step = 0; step < maxSteps; step++) {
                Cancellation.check();
                int[] open = open(rows);
                if (open.length == 0) {
                    return;
                }
                double[] cur = gather(x, open, k);
                double[] fcur = gather(fx, open, k);
                double[] full = newtonSteps(map, cur, fcur, open.length, k);
                int c = 4;
                double[] cand = new double[open.length * c * k];
                for (int i = 0; i < open.length; i++) {
                    double s = 1;
                    for (int h = 0; h < c; h++) {
                        for (int j = 0; j < k; j++) {
                            int at = i * k + j;
                            cand[(i * c + h) * k + j] = h == c - 1 ? fcur[at] : cur[at] + s * (full[at] - cur[at]);
                        }
                        s /= 2;
                    }
                }
                double[] fc = new double[cand.length];
                f.apply(cand, fc, open.length * c);
                double[] best = new double[open.length * k];
                double[] fbest = new double[open.length * k];
                for (int i = 0; i < open.length; i++) {
                    int pick = 0;
                    double r = Double.POSITIVE_INFINITY;
                    for (int h = 0; h < c; h++) {
                        double rh = residualAt(cand, fc, i * c + h, k);
                        if (rh < r) {
                            r = rh;
                            pick = h;
                        }
                    }
                    System.arraycopy(cand, (i * c + pick) * k, best, i * k, k);
                    System.arraycopy(fc, (i * c + pick) * k, fbest, i * k, k);
                }
                for (int i = 0; i < open.length; i++) { // the best candidate is taken even when it does not lower the residual
                    int p = open[i];
                    System.arraycopy(best, i * k, x, p * k, k);
                    System.arraycopy(fbest, i * k, fx, p * k, k);
                    res[p] = residualAt(best, fbest, i, k);
                    steps[p]++;
                }
            }
        }

        Result result(double[] rho, double[] gap, FixedPointKind[] kind, String method, int seeded) {
            boolean[] reached = new boolean[n];
            for (int p = 0; p < n; p++) {
                reached[p] = reached(p);
            }
            return new Result(x, res, rho, gap, kind, steps, reached, used, method, seeded);
        }
    }

    /** One undamped Newton step per row: x - (J - I)^{-1} (f(x) - x); a singular system keeps the Picard step f(x). */
    private static double[] newtonSteps(DifferentiableMap map, double[] x, double[] fx, int n, int k) {
        float[] xf = new float[n * k];
        for (int i = 0; i < xf.length; i++) {
            xf[i] = (float) x[i];
        }
        float[] jac = map.jacobians(xf, n);
        double[] out = new double[n * k];
        double[] a = new double[k * k];
        double[] b = new double[k];
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    a[i * k + j] = jac[(p * k + i) * k + j] - (i == j ? 1 : 0);
                }
                b[i] = fx[p * k + i] - x[p * k + i];
            }
            boolean solved = LinearSolve.solveInPlace(a, b, k);
            for (int i = 0; i < k; i++) {
                out[p * k + i] = solved && Double.isFinite(b[i]) ? x[p * k + i] - b[i] : fx[p * k + i];
            }
        }
        return out;
    }

    private static double[] gather(double[] x, int[] rows, int k) {
        double[] out = new double[rows.length * k];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(x, rows[i] * k, out, i * k, k);
        }
        return out;
    }

    private static double residualAt(double[] x, double[] fx, int i, int k) {
        double s = 0;
        for (int j = 0; j < k; j++) {
            double d = fx[i * k + j] - x[i * k + j];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    static double norm(double[] x, int p, int k) {
        double s = 0;
        for (int j = 0; j < k; j++) {
            s += x[p * k + j] * x[p * k + j];
        }
        return Math.sqrt(s);
    }

    /** Evaluates f on double rows, in float64 where the map can, else through float32. */
    private static final class Evaluator {
        private final LatentMap map;
        private final int k;
        private final boolean float64;

        Evaluator(LatentMap map, int k, boolean float64) {
            this.map = map;
            this.k = k;
            this.float64 = float64;
        }

        void apply(double[] in, double[] out, int rows) {
            if (rows == 0) {
                return;
            }
            if (float64) {
                ((Float64Map) map).apply64(in, out, rows);
                return;
            }
            float[] f = new float[rows * k];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) in[i];
            }
            try (NativeMatrix a = new NativeMatrix(rows, k); NativeMatrix b = new NativeMatrix(rows, k)) {
                a.putRows(f, 0, 0, rows);
                map.apply(a, b, rows);
                b.getRows(0, f, 0, rows);
            }
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
        }
    }
}
