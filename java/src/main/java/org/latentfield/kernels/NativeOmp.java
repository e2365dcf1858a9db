package org.latentfield.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;

/** Batch-OMP of liblf (lf_omp_cpu / lf_omp_cuda in lf.h) on row-major float arrays. */
public final class NativeOmp {
    private NativeOmp() {}

    /**
     * Sparse codes of n signals.
     *
     * @param maxAtoms S, the width of {@code support} and {@code coef}
     * @param support  n x S atom indices in selection order, -1 after an early stop
     * @param coef     n x S least-squares coefficients of those atoms, 0 after an early stop
     * @param residual n residual norms ||x - sum_s coef_s d_support_s||_2
     */
    public record Codes(int maxAtoms, int[] support, float[] coef, float[] residual) {}

    /**
     * Runs OMP on every row of {@code signals} with the rows of {@code dictionary} as atoms (used
     * as given, not normalised), stopping at {@code maxAtoms} atoms or when the residual norm is
     * at most {@code tol} (0: no tolerance).
     */
    public static Codes solve(float[] dictionary, float[] signals, int dim, int maxAtoms, double tol, Device device) {
        int atoms = NativeDistances.rows(dictionary, dim, "dictionary"), n = NativeDistances.rows(signals, dim, "signals");
        NativeKernels.openBlasOnce();
        long width = (long) n * maxAtoms;
        if (width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(n + " signals x " + maxAtoms + " atoms exceed one Java array; split the signals");
        }
        int[] support = new int[(int) width];
        float[] coef = new float[(int) width];
        float[] residual = new float[n];
        try (PointerScope scope = new PointerScope()) {
            FloatPointer hd = new FloatPointer(dictionary), hx = new FloatPointer(signals);
            IntPointer hs = new IntPointer(Math.max(width, 1));
            FloatPointer hc = new FloatPointer(Math.max(width, 1)), hr = new FloatPointer(Math.max(n, 1));
            if (device == Device.CPU) {
                NativeKernels.check(LfNative.lf_omp_cpu(atoms, dim, n, hd, hx, maxAtoms, tol, hs, hc, hr));
            } else {
                try (CudaScope g = new CudaScope()) {
                    IntPointer ds = g.ints(width);
                    FloatPointer dc = g.floats(width), dr = g.floats(n);
                    NativeKernels.check(LfNative.lf_omp_cuda(atoms, dim, n, g.upload(hd), g.upload(hx), maxAtoms, tol, ds, dc, dr, null));
                    g.download(ds, hs, width * Integer.BYTES);
                    g.download(dc, hc, width * Float.BYTES);
                    g.download(dr, hr, (long) n * Float.BYTES);
                }
            }
            hs.get(support);
            hc.get(coef);
            hr.get(residual);
        }
        return new Codes(maxAtoms, support, coef, residual);
    }
}
