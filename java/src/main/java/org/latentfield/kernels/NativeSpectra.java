package org.latentfield.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;

/** Batched spectra of small square matrices by liblf (lf_jacobian_spectra_cpu / _cuda in lf.h). */
public final class NativeSpectra {
    private NativeSpectra() {}

    /**
     * Per matrix: ||J||_2 (power iteration on J^T J), max |lambda(J)| (Francis QR; NaN if it
     * failed to converge) and the power-iteration steps taken. A matrix with a NaN or Inf entry
     * gets NaN, NaN and 0 steps (lf.h), never a hang.
     */
    public record Spectra(float[] spectralNorm, float[] spectralRadius, int[] iterations) {}

    /** Spectra of the n = jacobians.length / k^2 matrices k x k stored row-major one after another. */
    public static Spectra of(float[] jacobians, int k, int maxIter, double tol, Device device) {
        long kk = (long) k * k;
        if (k < 1 || jacobians.length % kk != 0) {
            throw new IllegalArgumentException(jacobians.length + " values are not a whole number of " + k + " x " + k + " matrices");
        }
        int n = (int) (jacobians.length / kk);
        float[] norm = new float[n], radius = new float[n];
        int[] its = new int[n];
        try (PointerScope scope = new PointerScope()) {
            FloatPointer hj = new FloatPointer(jacobians);
            FloatPointer hn = new FloatPointer(Math.max(n, 1)), hr = new FloatPointer(Math.max(n, 1));
            IntPointer hi = new IntPointer(Math.max(n, 1));
            if (device == Device.CPU) {
                NativeKernels.check(LfNative.lf_jacobian_spectra_cpu(n, k, hj, maxIter, tol, hn, hr, hi));
            } else {
                try (CudaScope g = new CudaScope()) {
                    FloatPointer dn = g.floats(n), dr = g.floats(n);
                    IntPointer di = g.ints(n);
                    NativeKernels.check(LfNative.lf_jacobian_spectra_cuda(n, k, g.upload(hj), maxIter, tol, dn, dr, di, null));
                    g.download(dn, hn, (long) n * Float.BYTES);
                    g.download(dr, hr, (long) n * Float.BYTES);
                    g.download(di, hi, (long) n * Integer.BYTES);
                }
            }
            hn.get(norm);
            hr.get(radius);
            hi.get(its);
        }
        return new Spectra(norm, radius, its);
    }
}
