package org.latentfield.dynamics;

import java.util.Arrays;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeEigen;
import org.latentfield.map.DifferentiableMap;
import org.latentfield.map.LatentMap;

/**
 * The spectrum of J = J_f(z) at fixed points z, from all k eigenvalues (liblf's batched
 * Francis QR, {@link NativeEigen}), reduced to what fixed-point analysis needs:
 * rho = max_i |lambda_i| (the local contraction rate of Picard iteration),
 * gap = min_i |1 - lambda_i| (the distance of the spectrum to 1: ||(I - J)^{-1}|| = 1 / gap for a
 * normal J, the factor between a point's residual and its distance to the fixed point), and the
 * {@link FixedPointKind}. A map without Jacobians gets NaN, NaN and {@link FixedPointKind#UNDEFINED}.
 *
 * @param rho  spectral radius per point
 * @param gap  min_i |1 - lambda_i| per point
 * @param kind the kind of each point
 */
public record LocalSpectrum(double[] rho, double[] gap, FixedPointKind[] kind) {
    /** Jacobians are formed this many points at a time (k^2 floats each). */
    static final int CHUNK = 256;

    /** The spectrum at the n rows of {@code x} (n x k, double). */
    public static LocalSpectrum at(LatentMap map, double[] x, int n, int k) {
        LocalSpectrum out = undefined(n);
        double[] rho = out.rho();
        double[] gap = out.gap();
        FixedPointKind[] kind = out.kind();
        if (!(map instanceof DifferentiableMap d)) {
            return out;
        }
        for (int p0 = 0; p0 < n; p0 += CHUNK) {
            Cancellation.check();
            int m = Math.min(CHUNK, n - p0);
            float[] xf = new float[m * k];
            for (int i = 0; i < xf.length; i++) {
                xf[i] = (float) x[p0 * k + i];
            }
            fill(d.jacobians(xf, m), m, k, p0, rho, gap, kind);
        }
        return out;
    }

    /** n points whose spectrum is not known: NaN, NaN, {@link FixedPointKind#UNDEFINED}. */
    public static LocalSpectrum undefined(int n) {
        double[] rho = new double[n];
        double[] gap = new double[n];
        FixedPointKind[] kind = new FixedPointKind[n];
        Arrays.fill(rho, Double.NaN);
        Arrays.fill(gap, Double.NaN);
        Arrays.fill(kind, FixedPointKind.UNDEFINED);
        return new LocalSpectrum(rho, gap, kind);
    }

    /** The spectrum of the n given Jacobians (n x k x k). */
    public static LocalSpectrum of(float[] jacobians, int n, int k) {
        LocalSpectrum out = undefined(n);
        if (n > 0) {
            fill(jacobians, n, k, 0, out.rho(), out.gap(), out.kind());
        }
        return out;
    }

    /** Writes the spectrum of the m Jacobians into rows p0 .. p0 + m - 1 of the outputs. */
    private static void fill(float[] jacobians, int m, int k, int p0, double[] rho, double[] gap, FixedPointKind[] kind) {
        NativeEigen.Eigenvalues eig = NativeEigen.of(jacobians, k, Device.CPU);
        float[] moduli = new float[k];
        for (int p = 0; p < m; p++) {
            double r = 0, g = Double.POSITIVE_INFINITY;
            for (int i = 0; i < k; i++) {
                double re = eig.re()[p * k + i], im = eig.im()[p * k + i];
                moduli[i] = (float) Math.hypot(re, im);
                r = Math.max(r, moduli[i]);
                g = Math.min(g, Math.hypot(1 - re, im));
            }
            FixedPointKind c = FixedPointKind.classify(moduli, 0, k);
            kind[p0 + p] = c;
            if (c != FixedPointKind.UNDEFINED) {
                rho[p0 + p] = r;
                gap[p0 + p] = g;
            }
        }
    }
}
