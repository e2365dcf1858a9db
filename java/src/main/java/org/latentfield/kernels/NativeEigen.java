package org.latentfield.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * All eigenvalues of batched small square matrices by liblf (lf_jacobian_eigenvalues_cpu /
 * _cuda in lf.h): balancing, Hessenberg reduction and the Francis double-shift QR iteration in
 * double, the routine that also gives {@link NativeSpectra}'s spectral radius.
 */
public final class NativeEigen {
    static {
        NativeLibraries.prepare();
    }

    private NativeEigen() {}

    /**
     * Eigenvalue i of matrix p is {@code re[p k + i] + i im[p k + i]}, sorted by modulus
     * descending; on equal moduli the larger real part first, then the positive imaginary part
     * (a complex pair a &plusmn; ib is a + ib, a - ib). A matrix with a NaN or Inf entry, or whose
     * QR iteration did not converge, has all k eigenvalues NaN (lf.h), never a hang.
     */
    public record Eigenvalues(int k, float[] re, float[] im) {
        /** The number of matrices. */
        public int count() {
            return re.length / k;
        }

        /** |lambda_i| of matrix p; i = 0 gives its spectral radius. */
        public double modulus(int p, int i) {
            int at = p * k + i;
            return Math.hypot(re[at], im[at]);
        }
    }

    /** Eigenvalues of the n = jacobians.length / k^2 matrices k x k stored row-major one after another. */
    public static Eigenvalues of(float[] jacobians, int k, Device device) {
        long kk = (long) k * k;
        if (k < 1 || jacobians.length % kk != 0) {
            throw new IllegalArgumentException(jacobians.length + " values are not a whole number of " + k + " x " + k + " matrices");
        }
        int n = (int) (jacobians.length / kk), total = n * k;
        float[] re = new float[total], im = new float[total];
        try (PointerScope scope = new PointerScope()) {
            FloatPointer hj = new FloatPointer(jacobians);
            FloatPointer hre = new FloatPointer(Math.max(total, 1)), him = new FloatPointer(Math.max(total, 1));
            if (device == Device.CPU) {
                NativeKernels.check(LfNative.lf_jacobian_eigenvalues_cpu(n, k, hj, hre, him));
            } else {
                try (CudaScope g = new CudaScope()) {
                    FloatPointer dre = g.floats(total), dim = g.floats(total);
                    NativeKernels.check(LfNative.lf_jacobian_eigenvalues_cuda(n, k, g.upload(hj), dre, dim, null));
                    g.download(dre, hre, (long) total * Float.BYTES);
                    g.download(dim, him, (long) total * Float.BYTES);
                }
            }
            hre.get(re);
            him.get(im);
        }
        return new Eigenvalues(k, re, im);
    }
}
