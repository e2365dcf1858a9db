package org.latentfield.dynamics;

import java.util.Arrays;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.DifferentiableMap;
import org.latentfield.map.Float64Map;
import org.latentfield.map.LatentMap;

/**
 * Refines approximate fixed points (the endpoints of a stopped iteration) until their residual is
 * known: r(z) = ||f(z) - z||_2 &lt;= tol * max(1, ||z||_2), and measures the spectral radius
 * spectrum of J_f(z) at the refined point ({@link LocalSpectrum}: rho, the gap to 1, the kind of
 * fixed point; issue 12).
 *
 * <p>Steps: where J_f is available (a {@link DifferentiableMap}) and k is small, damped Newton on
 * g(z) = f(z) - z, z &lt;- z - s (J_f(z) - I)^{-1} g(z), solved in double by LU with partial
 * pivoting, s halved (down to 1/16) until ||g|| decreases, else one Picard step z &lt;- f(z).
 * Without J_f: Picard steps. Values are kept in double where the map iterates in float64 (a
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
     */
    public record Result(double[] points, double[] residual, double[] rho, double[] gap, FixedPointKind[] kind, int[] steps, boolean[] reached,
                         double tol, String method) {
        public int n() {
            return residual.length;
        }
    }

    /** Polishes the n rows of {@code z} (n x k float32) to relative residual {@code tol}, at most {@code maxSteps} steps each. */
    public static Result polish(LatentMap map, float[] z, int n, double tol, int maxSteps) {
        int k = map.latentDim();
        boolean float64 = map instanceof Float64Map m && m.iteratesInFloat64();
        double used = float64 ? tol : Math.max(tol, FLOAT32_FLOOR);
        boolean newton = map instanceof DifferentiableMap && k <= NEWTON_MAX_K;
        double[] x = new double[n * k];
        for (int i = 0; i < n * k; i++) {
            x[i] = z[i];
        }
        double[] res = new double[n];
        int[] steps = new int[n];
        boolean[] reached = new boolean[n];
        double[] fx = new double[n * k];
        Evaluator f = new Evaluator(map, k, float64);
        f.apply(x, fx, n);
        for (int p = 0; p < n; p++) {
            res[p] = residualAt(x, fx, p, k);
        }
        for (int step = 0; step < maxSteps; step++) {
            Cancellation.check();
            int[] open = java.util.stream.IntStream.range(0, n).filter(p -> !(res[p] <= used * Math.max(1, norm(x, p, k)))).toArray();
            if (open.length == 0) {
                break;
            }
            double[] cur = gather(x, open, k);
            double[] fcur = gather(fx, open, k);
            double[] next = newton ? newtonSteps((DifferentiableMap) map, cur, fcur, open.length, k) : fcur.clone();
            double[] fnext = new double[next.length];
            f.apply(next, fnext, open.length);
            for (int i = 0; i < open.length; i++) {
                int p = open[i];
                double r = residualAt(next, fnext, i, k);
                double[] delta = new double[k];
                for (int j = 0; j < k; j++) {
                    delta[j] = next[i * k + j] - cur[i * k + j];
                }
                double s = 1;
                while (newton && !(r < res[p]) && s > 1.0 / 16) { // damp: halve the Newton step until g decreases
                    s /= 2;
                    for (int j = 0; j < k; j++) {
                        next[i * k + j] = cur[i * k + j] + s * delta[j];
                    }
                    double[] one = Arrays.copyOfRange(next, i * k, (i + 1) * k);
                    double[] fone = new double[k];
                    f.apply(one, fone, 1);
                    System.arraycopy(fone, 0, fnext, i * k, k);
                    r = residualAt(next, fnext, i, k);
                }
                if (newton && !(r < res[p])) { // Newton failed here: one Picard step instead
                    System.arraycopy(fcur, i * k, next, i * k, k);
                    double[] one = Arrays.copyOfRange(next, i * k, (i + 1) * k);
                    double[] fone = new double[k];
                    f.apply(one, fone, 1);
                    System.arraycopy(fone, 0, fnext, i * k, k);
                    r = residualAt(next, fnext, i, k);
                }
                System.arraycopy(next, i * k, x, p * k, k);
                System.arraycopy(fnext, i * k, fx, p * k, k);
                res[p] = r;
                steps[p]++;
            }
        }
        for (int p = 0; p < n; p++) {
            reached[p] = res[p] <= used * Math.max(1, norm(x, p, k));
        }
        LocalSpectrum spectrum = LocalSpectrum.at(map, x, n, k);
        return new Result(x, res, spectrum.rho(), spectrum.gap(), spectrum.kind(), steps, reached, used, newton ? "newton" : "picard");
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
