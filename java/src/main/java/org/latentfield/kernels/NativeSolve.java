package org.latentfield.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * Batched dense linear solves in double by liblf (lf_solve_batched_cpu / _cuda in lf.h): LU with
 * partial pivoting per system, e.g. the Newton steps of many points at once.
 */
public final class NativeSolve {
    static {
        NativeLibraries.prepare();
    }

    private NativeSolve() {}

    /**
     * Solves {@code a_p x_p = b_p} for the n systems of k equations: {@code a} is n x k x k
     * row-major (one matrix after another), {@code b} and {@code x} are n x k; x receives the
     * solutions. Returns per system whether it is singular: a pivot 0 or below 1e-14 times the
     * largest |entry| of a_p, a NaN or Inf in a_p or b_p, or an overflowing solution; its x_p is
     * then NaN.
     */
    public static boolean[] solve(double[] a, double[] b, int n, int k, double[] x, Device device) {
        if (n < 0 || k < 1 || a.length != (long) n * k * k || b.length != (long) n * k || x.length != (long) n * k) {
            throw new IllegalArgumentException("need a of n k^2 and b, x of n k values for n = " + n + " systems of k = " + k
                    + " equations, got " + a.length + ", " + b.length + " and " + x.length);
        }
        boolean[] singular = new boolean[n];
        try (PointerScope scope = new PointerScope()) {
            DoublePointer ha = new DoublePointer(a), hb = new DoublePointer(b), hx = new DoublePointer(Math.max(x.length, 1));
            BytePointer hs = new BytePointer(Math.max(n, 1));
            if (device == Device.CPU) {
                NativeKernels.check(LfNative.lf_solve_batched_cpu(n, k, ha, hb, hx, hs));
            } else {
                try (CudaScope g = new CudaScope()) {
                    DoublePointer da = upload(g, ha, a.length), db = upload(g, hb, b.length);
                    DoublePointer dx = new DoublePointer(g.bytes((long) x.length * Double.BYTES));
                    BytePointer ds = g.bytes(n);
                    NativeKernels.check(LfNative.lf_solve_batched_cuda(n, k, da, db, dx, ds, null));
                    g.download(dx, hx, (long) x.length * Double.BYTES);
                    g.download(ds, hs, n);
                }
            }
            hx.get(x);
            for (int p = 0; p < n; p++) {
                singular[p] = hs.get(p) != 0;
            }
        }
        return singular;
    }

    private static DoublePointer upload(CudaScope g, DoublePointer host, long count) {
        DoublePointer d = new DoublePointer(g.bytes(count * Double.BYTES));
        NativeKernels.check(LfNative.lf_cuda_copy_to_device(d, host, count * Double.BYTES, null));
        return d;
    }
}
