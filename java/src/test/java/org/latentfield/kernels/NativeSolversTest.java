package org.latentfield.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** liblf's solver kernels through their facades: eigenvalues, Anderson steps and batched solves on known cases. */
class NativeSolversTest {
    private static final float[] ROTATION_SCALING = {0.6f, -0.8f, 0.8f, 0.6f}; // 0.6 +- 0.8i
    private static final float[] DIAGONAL = {2, 0, 0, -3};                     // -3, 2
    private static final float[] UNDEFINED = {Float.NaN, 0, 0, 1};

    private static float[] batch(float[]... matrices) {
        float[] all = new float[matrices.length * 4];
        for (int p = 0; p < matrices.length; p++) {
            System.arraycopy(matrices[p], 0, all, 4 * p, 4);
        }
        return all;
    }

    @Test
    void eigenvaluesOfKnownMatricesInModulusOrder() {
        NativeEigen.Eigenvalues e = NativeEigen.of(batch(ROTATION_SCALING, DIAGONAL, UNDEFINED), 2, Device.CPU);
        assertEquals(3, e.count());
        assertArrayEquals(new float[] {0.6f, 0.6f, -3, 2}, Arrays.copyOf(e.re(), 4), 1e-6f);
        assertArrayEquals(new float[] {0.8f, -0.8f, 0, 0}, Arrays.copyOf(e.im(), 4), 1e-6f);
        assertEquals(1.0, e.modulus(0, 0), 1e-6);
        assertEquals(3.0, e.modulus(1, 0), 1e-6);
        assertTrue(Float.isNaN(e.re()[4]) && Float.isNaN(e.re()[5]) && Float.isNaN(e.im()[5]), "a NaN matrix has NaN eigenvalues");
        // a companion matrix: its roots; the first modulus is NativeSpectra's spectral radius
        float[] companion = {6, -11, 6, 1, 0, 0, 0, 1, 0}; // of x^3 - 6x^2 + 11x - 6 = (x - 1)(x - 2)(x - 3)
        NativeEigen.Eigenvalues roots = NativeEigen.of(companion, 3, Device.CPU);
        assertArrayEquals(new float[] {3, 2, 1}, roots.re(), 1e-5f);
        assertArrayEquals(new float[3], roots.im());
        assertEquals(NativeSpectra.of(companion, 3, 100, 1e-12, Device.CPU).spectralRadius()[0], roots.modulus(0, 0), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> NativeEigen.of(new float[5], 2, Device.CPU));
    }

    @Test
    void andersonFollowsTheSecantOnCosine() {
        try (NativeAnderson aa = new NativeAnderson(2, 1, 1, 1.0, 0.0, 1.0);
                NativeMatrix x = new NativeMatrix(1, 1); NativeMatrix fx = new NativeMatrix(1, 1); NativeMatrix next = new NativeMatrix(1, 1)) {
            boolean[] fallback = new boolean[1];
            float[] v = new float[1];
            // step 1, an empty history: Picard, bitwise f(x)
            x.putRows(new float[] {0}, 0, 0, 1);
            fx.putRows(new float[] {1}, 0, 0, 1);
            aa.step(x, fx, new int[] {1}, 1, next, fallback);
            next.getRows(0, v, 0, 1);
            assertEquals(1.0f, v[0]);
            assertFalse(fallback[0]);
            // step 2, m = 1: the secant x1 - g1 (x1 - x0) / (g1 - g0)
            float c1 = (float) Math.cos(1);
            x.putRows(new float[] {1}, 0, 0, 1);
            fx.putRows(new float[] {c1}, 0, 0, 1);
            aa.step(x, fx, new int[] {1}, 1, next, fallback);
            next.getRows(0, v, 0, 1);
            double g0 = 1, g1 = (double) c1 - 1;
            assertEquals(1 - g1 / (g1 - g0), v[0], 1e-6);
            assertEquals(2, aa.historyCount(1));
            // on to the fixed point of cos: far fewer steps than Picard's ~ 35 for |g| < 1e-6
            int steps = 2;
            while (Math.abs(Math.cos(v[0]) - v[0]) >= 1e-6 && steps < 50) {
                x.putRows(v, 0, 0, 1);
                fx.putRows(new float[] {(float) Math.cos(v[0])}, 0, 0, 1);
                aa.step(x, fx, new int[] {1}, 1, next, fallback);
                next.getRows(0, v, 0, 1);
                steps++;
            }
            assertEquals(0.7390851, v[0], 1e-6);
            assertTrue(steps <= 8, "converged after " + steps + " steps");
            // a reset slot starts afresh: Picard again
            aa.reset(1);
            assertEquals(0, aa.historyCount(1));
            fx.putRows(new float[] {0.25f}, 0, 0, 1);
            aa.step(x, fx, new int[] {1}, 1, next, fallback);
            next.getRows(0, v, 0, 1);
            assertEquals(0.25f, v[0]);
        }
    }

    @Test
    void andersonSafeguardAndArgumentChecks() {
        try (NativeAnderson aa = new NativeAnderson(2, 2, 3, 1.0, 0.0, 1.0);
                NativeMatrix x = new NativeMatrix(2, 2); NativeMatrix fx = new NativeMatrix(2, 2); NativeMatrix next = new NativeMatrix(2, 2)) {
            boolean[] fallback = new boolean[2];
            x.putRows(new float[] {0, 0}, 0, 0, 1);
            fx.putRows(new float[] {1, 0}, 0, 0, 1);
            aa.step(x, fx, new int[] {0}, 1, next, fallback);
            x.putRows(new float[] {1, 0}, 0, 0, 1);
            fx.putRows(new float[] {4, 0}, 0, 0, 1); // ||g|| 3 > 1 x 1: restart
            aa.step(x, fx, new int[] {0}, 1, next, fallback);
            float[] v = new float[2];
            next.getRows(0, v, 0, 1);
            assertTrue(fallback[0]);
            assertArrayEquals(new float[] {4, 0}, v);
            assertEquals(1, aa.historyCount(0));
            assertThrows(IndexOutOfBoundsException.class, () -> aa.step(x, fx, new int[] {0, 2}, 2, next, fallback));
            NativeKernelException twice = assertThrows(NativeKernelException.class, () -> aa.step(x, fx, new int[] {1, 1}, 2, next, fallback));
            assertTrue(twice.getMessage().contains("two rows"), twice.getMessage());
            aa.close();
            aa.close();
            assertThrows(IllegalStateException.class, () -> aa.reset(0));
        }
        assertThrows(IllegalArgumentException.class, () -> new NativeAnderson(1, 1, 65, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new NativeAnderson(1, 1, 3, 0, 0, 1));
    }

    @Test
    void batchedSolvesAndSingularSystems() {
        double[] a = {2, 1, 1, 3, /* singular */ 1, 2, 2, 4, /* needs a row swap */ 0, 1, 1, 0};
        double[] b = {3, 5, 1, 1, 3, 5};
        double[] x = new double[6];
        boolean[] singular = NativeSolve.solve(a, b, 3, 2, x, Device.CPU);
        assertArrayEquals(new boolean[] {false, true, false}, singular);
        assertEquals(0.8, x[0], 1e-15);
        assertEquals(1.4, x[1], 1e-15);
        assertTrue(Double.isNaN(x[2]) && Double.isNaN(x[3]));
        assertArrayEquals(new double[] {5, 3}, new double[] {x[4], x[5]});
        assertThrows(IllegalArgumentException.class, () -> NativeSolve.solve(a, b, 3, 2, new double[5], Device.CPU));
    }

    @Test
    void cudaTwinsAgreeWithTheCpu() {
        assumeTrue(NativeKernels.cudaDeviceCount() > 0, "no CUDA device: the CUDA twins are tested where a GPU is present");
        float[] j = batch(ROTATION_SCALING, DIAGONAL, UNDEFINED);
        NativeEigen.Eigenvalues cpu = NativeEigen.of(j, 2, Device.CPU), gpu = NativeEigen.of(j, 2, Device.CUDA);
        assertArrayEquals(cpu.re(), gpu.re(), 1e-6f);
        assertArrayEquals(cpu.im(), gpu.im(), 1e-6f);
        double[] a = {2, 1, 1, 3, 1, 2, 2, 4}, b = {3, 5, 1, 1}, xc = new double[4], xg = new double[4];
        assertArrayEquals(NativeSolve.solve(a, b, 2, 2, xc, Device.CPU), NativeSolve.solve(a, b, 2, 2, xg, Device.CUDA));
        assertArrayEquals(xc, xg, 1e-15);
    }
}
