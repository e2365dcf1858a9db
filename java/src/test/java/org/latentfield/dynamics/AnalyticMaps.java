package org.latentfield.dynamics;

import java.util.SplittableRandom;
import org.latentfield.data.Points;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.DifferentiableMap;

/** Latent maps written in Java whose fixed points, Jacobians and kinds are known (issue 12 tests). */
final class AnalyticMaps {
    private AnalyticMaps() {}

    /** A map written in Java: f applied in place to float rows, J as a function of the row. */
    interface Analytic extends DifferentiableMap {
        void f(float[] z, int rows);

        /** d f_i / d z_j at row z (k values from offset o), written into jac (k x k from offset at). */
        void jacobian(float[] z, int o, float[] jac, int at);

        @Override
        default String device() {
            return "cpu";
        }

        @Override
        default void apply(NativeMatrix in, NativeMatrix out, int rows) {
            float[] z = new float[rows * latentDim()];
            in.getRows(0, z, 0, rows);
            f(z, rows);
            out.putRows(z, 0, 0, rows);
        }

        @Override
        default float[] jacobians(float[] z, int n) {
            int k = latentDim();
            float[] j = new float[n * k * k];
            for (int p = 0; p < n; p++) {
                jacobian(z, p * k, j, p * k * k);
            }
            return j;
        }

        @Override
        default void close() {}
    }

    /** f(z) = c_i + a (z - c_i) for the nearest center c_i: J = a I, fixed points exactly the centers. */
    record Basins(double[][] centers, double a) implements Analytic {
        @Override
        public int latentDim() {
            return centers[0].length;
        }

        @Override
        public void f(float[] z, int rows) {
            int k = latentDim();
            for (int p = 0; p < rows; p++) {
                double[] c = nearest(z, p * k);
                for (int j = 0; j < k; j++) {
                    z[p * k + j] = (float) (c[j] + a * (z[p * k + j] - c[j]));
                }
            }
        }

        private double[] nearest(float[] z, int o) {
            double[] best = centers[0];
            double bd = Double.POSITIVE_INFINITY;
            for (double[] c : centers) {
                double d = 0;
                for (int j = 0; j < c.length; j++) {
                    d += (z[o + j] - c[j]) * (z[o + j] - c[j]);
                }
                if (d < bd) {
                    bd = d;
                    best = c;
                }
            }
            return best;
        }

        @Override
        public void jacobian(float[] z, int o, float[] jac, int at) {
            for (int i = 0; i < latentDim(); i++) {
                jac[at + i * latentDim() + i] = (float) a;
            }
        }
    }

    /** f(z) = diag(d) z: one fixed point, the origin, rho = max |d_i|. */
    record Linear(double[] diag) implements Analytic {
        @Override
        public int latentDim() {
            return diag.length;
        }

        @Override
        public void f(float[] z, int rows) {
            for (int i = 0; i < rows * diag.length; i++) {
                z[i] = (float) (diag[i % diag.length] * z[i]);
            }
        }

        @Override
        public void jacobian(float[] z, int o, float[] jac, int at) {
            for (int i = 0; i < diag.length; i++) {
                jac[at + i * diag.length + i] = (float) diag[i];
            }
        }
    }

    /** f(z) = A z for a k x k matrix A (row-major): one fixed point, the origin, J = A everywhere. */
    record Matrix(int k, double[] a) implements Analytic {
        @Override
        public int latentDim() {
            return k;
        }

        @Override
        public void f(float[] z, int rows) {
            double[] y = new double[k];
            for (int p = 0; p < rows; p++) {
                for (int i = 0; i < k; i++) {
                    double s = 0;
                    for (int j = 0; j < k; j++) {
                        s += a[i * k + j] * z[p * k + j];
                    }
                    y[i] = s;
                }
                for (int i = 0; i < k; i++) {
                    z[p * k + i] = (float) y[i];
                }
            }
        }

        @Override
        public void jacobian(float[] z, int o, float[] jac, int at) {
            for (int i = 0; i < k * k; i++) {
                jac[at + i] = (float) a[i];
            }
        }
    }

    /**
     * Gradient descent on the double well V(x, y) = (x^2 - 1)^2 / 4 + y^2 / 2 with step h:
     * f(x, y) = (x - h (x^3 - x), (1 - h) y). Fixed points (+-1, 0), attractors with
     * J = diag(1 - 2h, 1 - h), and (0, 0), a saddle with J = diag(1 + h, 1 - h).
     */
    record DoubleWell(double h) implements Analytic {
        @Override
        public int latentDim() {
            return 2;
        }

        @Override
        public void f(float[] z, int rows) {
            for (int p = 0; p < rows; p++) {
                double x = z[2 * p], y = z[2 * p + 1];
                z[2 * p] = (float) (x - h * (x * x * x - x));
                z[2 * p + 1] = (float) ((1 - h) * y);
            }
        }

        @Override
        public void jacobian(float[] z, int o, float[] jac, int at) {
            double x = z[o];
            jac[at] = (float) (1 - h * (3 * x * x - 1));
            jac[at + 1] = 0;
            jac[at + 2] = 0;
            jac[at + 3] = (float) (1 - h);
        }
    }

    static Points gaussian(int n, int k, double scale, double[] shift, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) ((shift == null ? 0 : shift[i % k]) + scale * r.nextGaussian());
        }
        return new Points(n, k, x);
    }
}
