package org.latentfield.dynamics;

import org.latentfield.LatentfieldException;
import org.latentfield.data.Points;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.kernels.NativeSpectra;
import org.latentfield.map.DifferentiableMap;

/**
 * Local linear behaviour of the latent map (PAPER.md sections 1 and 6): at each point z, the
 * spectral norm ||J_f(z)||_2 (the local Lipschitz constant; f contracts near z when it is below
 * 1) and the spectral radius rho(J_f(z)) (a fixed point is an attractor when rho &lt; 1; rho
 * &lt;= ||J||_2, so a point can attract while ||J||_2 &gt; 1 when J is not normal).
 *
 * <p>The Jacobians are materialised (k vector-Jacobian products per point, batched, from the
 * map) and their spectra computed natively in double: the norm by power iteration on J^T J,
 * the radius by Hessenberg reduction and Francis QR.
 *
 * <p>Undefined is not stable: f(z) is evaluated at every point too, and a point where f(z) or
 * J_f(z) holds a NaN or Inf (f is not defined there, e.g. log or sqrt of a negative coordinate),
 * or where the QR iteration failed, is {@link LocalStability undefined}: its norm and radius are
 * NaN and it counts neither as stable nor as contractive.
 */
public final class Jacobians {
    private Jacobians() {}

    /**
     * @param maxIter power-iteration cap for the spectral norm (default 1000)
     * @param tol     stop once the Rayleigh quotient ||J v||^2 changes by at most tol times itself
     *                (default 1e-10)
     * @param batch   points whose Jacobians are held at once (default 1024)
     * @param device  where the spectra are computed
     */
    public record Options(int maxIter, double tol, int batch, Device device) {
        public static final int DEFAULT_MAX_ITER = 1000;
        public static final double DEFAULT_TOL = 1e-10;
        public static final int DEFAULT_BATCH = 1024;

        public Options {
            if (maxIter < 1) {
                throw new LatentfieldException("--iters must be >= 1, got " + maxIter + ".");
            }
            if (!(tol >= 0) || Double.isInfinite(tol)) {
                throw new LatentfieldException("--tol must be finite and >= 0, got " + tol + ".");
            }
            if (batch < 1) {
                throw new LatentfieldException("the Jacobian batch must be >= 1, got " + batch + ".");
            }
        }

        public static Options defaults(Device device) {
            return new Options(DEFAULT_MAX_ITER, DEFAULT_TOL, DEFAULT_BATCH, device);
        }
    }

    /**
     * Spectra and classes at every point.
     *
     * @param spectralNorm   ||J_f(z_p)||_2; NaN where the point is undefined
     * @param spectralRadius rho(J_f(z_p)); NaN where the point is undefined
     * @param iterations     power-iteration steps taken for the norm (0 where J is not finite)
     * @param stability      the class of each point
     */
    public record Result(float[] spectralNorm, float[] spectralRadius, int[] iterations, LocalStability[] stability) {
        public int size() {
            return spectralNorm.length;
        }

        /** Points of class {@code c}. */
        public int count(LocalStability c) {
            int n = 0;
            for (LocalStability s : stability) {
                n += s == c ? 1 : 0;
            }
            return n;
        }

        /** Points with rho &lt; 1: attractors when they are fixed points. */
        public int stable() {
            return count(LocalStability.STABLE);
        }

        /** Points with rho &gt;= 1 (defined and not stable). */
        public int notStable() {
            return count(LocalStability.NOT_STABLE);
        }

        /** Points where f(z), J_f(z) or the spectrum is not finite: neither stable nor not stable. */
        public int undefined() {
            return size() - stable() - notStable();
        }

        /** Defined points where f is locally contractive, ||J||_2 &lt; 1. */
        public int contractive() {
            int c = 0;
            for (int p = 0; p < size(); p++) {
                c += stability[p].defined() && spectralNorm[p] < 1 ? 1 : 0;
            }
            return c;
        }

        /** Per point, {@link LocalStability#code}: 1 stable, 0 not stable, -1 undefined. */
        public int[] codes() {
            int[] c = new int[size()];
            for (int p = 0; p < c.length; p++) {
                c[p] = stability[p].code;
            }
            return c;
        }
    }

    /** Jacobian spectra of {@code map} at the rows of {@code at}. */
    public static Result spectra(DifferentiableMap map, Points at, Options options) {
        int k = map.latentDim();
        if (at.dim() != k) {
            throw new LatentfieldException("the points have dimension " + at.dim() + " but the model's latent dimension is " + k + ".");
        }
        int n = at.n();
        float[] norm = new float[n], radius = new float[n];
        int[] its = new int[n];
        LocalStability[] stability = new LocalStability[n];
        int batch = Math.max(1, Math.min(options.batch(), n));
        float[] fz = new float[batch * k];
        try (NativeMatrix in = new NativeMatrix(batch, k); NativeMatrix out = new NativeMatrix(batch, k)) {
            for (int p0 = 0; p0 < n; p0 += batch) {
                org.latentfield.kernels.Cancellation.check();
                int b = Math.min(batch, n - p0);
                float[] z = java.util.Arrays.copyOfRange(at.data(), p0 * k, (p0 + b) * k);
                in.putRows(z, 0, 0, b);
                map.apply(in, out, b);
                out.getRows(0, fz, 0, b);
                float[] jacobians = map.jacobians(z, b);
                NativeSpectra.Spectra s = NativeSpectra.of(jacobians, k, options.maxIter(), options.tol(), options.device());
                for (int i = 0; i < b; i++) {
                    int p = p0 + i;
                    stability[p] = LocalStability.classify(finite(fz, i * k, k), finite(jacobians, i * k * k, k * k),
                            s.spectralRadius()[i]);
                    boolean defined = stability[p].defined();
                    norm[p] = defined ? s.spectralNorm()[i] : Float.NaN;
                    radius[p] = defined ? s.spectralRadius()[i] : Float.NaN;
                    its[p] = s.iterations()[i];
                }
            }
        }
        return new Result(norm, radius, its, stability);
    }

    private static boolean finite(float[] v, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (!Float.isFinite(v[i])) {
                return false;
            }
        }
        return true;
    }
}
