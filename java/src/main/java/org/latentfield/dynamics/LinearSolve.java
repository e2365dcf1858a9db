package org.latentfield.dynamics;

/** Small dense linear systems in double: LU with partial pivoting, in place. */
final class LinearSolve {
    private LinearSolve() {}

    /**
     * Solves A x = b for the k x k row-major {@code a}; {@code b} receives x and {@code a} its LU
     * factors. Returns false (leaving a and b unchanged) when a pivot is zero or not finite,
     * or smaller than 1e-14 times the largest entry of A: the system is then treated as singular.
     */
    static boolean solveInPlace(double[] a, double[] b, int k) {
        Lu lu = factor(a, k);
        if (lu == null) {
            return false;
        }
        System.arraycopy(lu.lu(), 0, a, 0, k * k);
        double[] x = lu.solve(b, 0);
        System.arraycopy(x, 0, b, 0, k);
        return true;
    }

    /**
     * LU factors with partial pivoting of a k x k matrix, for many right-hand sides: P A = L U.
     *
     * @param lu    L (unit lower, below the diagonal) and U, row-major
     * @param pivot the row of A that became row i
     */
    record Lu(double[] lu, int[] pivot, int k) {
        /** x = A^{-1} b, in double. */
        double[] solve(double[] b, int from) {
            double[] x = new double[k];
            for (int i = 0; i < k; i++) {
                double s = b[from + pivot[i]];
                for (int j = 0; j < i; j++) {
                    s -= lu[i * k + j] * x[j];
                }
                x[i] = s;
            }
            for (int i = k - 1; i >= 0; i--) {
                double s = x[i];
                for (int j = i + 1; j < k; j++) {
                    s -= lu[i * k + j] * x[j];
                }
                x[i] = s / lu[i * k + i];
            }
            return x;
        }
    }

    /** The LU factors of A (not modified), or null under the singularity rule of {@link #solveInPlace}. */
    static Lu factor(double[] a, int k) {
        double[] lu = a.clone();
        int[] pivot = new int[k];
        for (int i = 0; i < k; i++) {
            pivot[i] = i;
        }
        double scale = 0;
        for (double v : lu) {
            scale = Math.max(scale, Math.abs(v));
        }
        if (!(scale > 0) || !Double.isFinite(scale)) {
            return null;
        }
        for (int c = 0; c < k; c++) {
            int best = c;
            for (int r = c + 1; r < k; r++) {
                if (Math.abs(lu[r * k + c]) > Math.abs(lu[best * k + c])) {
                    best = r;
                }
            }
            if (!(Math.abs(lu[best * k + c]) > 1e-14 * scale)) {
                return null;
            }
            if (best != c) {
                for (int j = 0; j < k; j++) {
                    double t = lu[c * k + j];
                    lu[c * k + j] = lu[best * k + j];
                    lu[best * k + j] = t;
                }
                int t = pivot[c];
                pivot[c] = pivot[best];
                pivot[best] = t;
            }
            for (int r = c + 1; r < k; r++) {
                double m = lu[r * k + c] / lu[c * k + c];
                lu[r * k + c] = m;
                for (int j = c + 1; j < k; j++) {
                    lu[r * k + j] -= m * lu[c * k + j];
                }
            }
        }
        return new Lu(lu, pivot, k);
    }
}
