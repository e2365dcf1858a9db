package org.latentfield.dynamics;

import org.latentfield.LatentfieldException;
import org.latentfield.data.Points;
import org.latentfield.kernels.Device;
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
     * Spectra at every point.
     *
     * @param spectralNorm   ||J_f(z_p)||_2
     * @param spectralRadius rho(J_f(z_p)), NaN where the QR iteration did not converge
     * @param iterations     power-iteration steps taken for the norm
     */
    public record Result(float[] spectralNorm, float[] spectralRadius, int[] iterations) {
        public int size() {
            return spectralNorm.length;
        }

        /** Points with rho &lt; 1: attractors when they are fixed points. */
        public int stable() {
            int c = 0;
            for (float r : spectralRadius) {
                c += r < 1 ? 1 : 0;
            }
            return c;
        }

        /** Points where f is locally contractive, ||J||_2 &lt; 1. */
        public int contractive() {
            int c = 0;
            for (float s : spectralNorm) {
                c += s < 1 ? 1 : 0;
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
        for (int p0 = 0; p0 < n; p0 += options.batch()) {
            org.latentfield.kernels.Cancellation.check();
            int b = Math.min(options.batch(), n - p0);
            float[] z = java.util.Arrays.copyOfRange(at.data(), p0 * k, (p0 + b) * k);
            NativeSpectra.Spectra s = NativeSpectra.of(map.jacobians(z, b), k, options.maxIter(), options.tol(), options.device());
            System.arraycopy(s.spectralNorm(), 0, norm, p0, b);
            System.arraycopy(s.spectralRadius(), 0, radius, p0, b);
            System.arraycopy(s.iterations(), 0, its, p0, b);
        }
        return new Result(norm, radius, its);
    }
}
