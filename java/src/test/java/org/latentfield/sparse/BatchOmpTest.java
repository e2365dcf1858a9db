package org.latentfield.sparse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.LatentfieldException;
import org.latentfield.PythonPeer;
import org.latentfield.data.Npy;
import org.latentfield.data.Points;
import org.latentfield.kernels.Device;

/** Batch-OMP against planted sparse signals and against scikit-learn's orthogonal_mp_gram. */
class BatchOmpTest {
    private static final PythonPeer SKLEARN = PythonPeer.find("sklearn, numpy");
    private static final double COEF_TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    @Test
    void recoversPlantedSparseSignalsExactly() {
        SplittableRandom rng = new SplittableRandom(11);
        int atoms = 200, dim = 48, n = 40, s = 5;
        Points d = unitRows(rng, atoms, dim);
        float[] x = new float[n * dim];
        int[][] planted = new int[n][];
        double[][] weights = new double[n][s];
        for (int i = 0; i < n; i++) {
            planted[i] = rng.ints(0, atoms).distinct().limit(s).toArray();
            for (int p = 0; p < s; p++) {
                weights[i][p] = 1 + rng.nextDouble();
                for (int j = 0; j < dim; j++) {
                    x[i * dim + j] += (float) (weights[i][p] * d.get(planted[i][p], j));
                }
            }
        }
        BatchOmp.Result r = BatchOmp.solve(d, new Points(n, dim, x), new BatchOmp.Options(s, 0, Device.CPU));
        for (int i = 0; i < n; i++) {
            int[] got = Arrays.copyOfRange(r.support(), i * s, i * s + s);
            int[] order = sortedOrder(got);
            int[] want = planted[i].clone();
            Arrays.sort(want);
            assertArrayEquals(want, Arrays.stream(order).map(p -> got[p]).toArray(), "support of signal " + i);
            assertTrue(r.residual()[i] < 1e-4, "residual of signal " + i + ": " + r.residual()[i]);
        }
        Points rec = r.reconstruct(d);
        for (int k = 0; k < x.length; k++) {
            assertEquals(x[k], rec.data()[k], 1e-4);
        }
    }

    @Test
    void sameSupportsAndCoefficientsAsScikitLearn() throws Exception {
        SKLEARN.require("python3-sklearn");
        int atoms = 300, dim = 64, n = 200, s = 12;
        double tol = 0.05;
        assertEquals("written", SKLEARN.run(dir, "/sparse/sklearn_omp.py", dir.toString(), "7", "" + atoms, "" + dim, "" + n, "" + s, "" + tol));
        Points d = Points.readNpy(dir.resolve("D.npy"), "dictionary");
        Points x = Points.readNpy(dir.resolve("X.npy"), "signals");
        compare(BatchOmp.solve(d, x, new BatchOmp.Options(s, 0, Device.CPU)), Npy.read(dir.resolve("coef_fixed.npy")).toDoubles(), atoms, "fixed S");
        compare(BatchOmp.solve(d, x, new BatchOmp.Options(dim, tol, Device.CPU)), Npy.read(dir.resolve("coef_tol.npy")).toDoubles(), atoms, "tol");
    }

    /** Same supports (as sets: sklearn returns dense coefficients) and coefficients within 1e-4. */
    private static void compare(BatchOmp.Result r, double[] dense, int atoms, String what) {
        int wrongSupport = 0;
        double worst = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < r.signals(); i++) {
            final int row = i;
            int[] nonzero = java.util.stream.IntStream.range(0, atoms).filter(a -> dense[row * atoms + a] != 0).toArray();
            int used = r.used(i);
            int[] ours = Arrays.copyOfRange(r.support(), i * r.atoms(), i * r.atoms() + used);
            int[] sorted = ours.clone();
            Arrays.sort(sorted);
            if (!Arrays.equals(sorted, nonzero)) {
                if (wrongSupport++ < 3) {
                    first.append(String.format(" signal %d: %d atoms (residual %.6g) vs sklearn's %d;", i, used, r.residual()[i], nonzero.length));
                }
                continue;
            }
            for (int p = 0; p < used; p++) {
                worst = Math.max(worst, Math.abs(r.coef()[i * r.atoms() + p] - dense[i * atoms + ours[p]]));
            }
        }
        assertEquals(0, wrongSupport, what + ": supports differing from scikit-learn's:" + first);
        assertTrue(worst <= COEF_TOLERANCE, what + ": coefficients differ from scikit-learn's by " + worst);
    }

    @Test
    void rejectsMismatchedInputs() {
        Points d = unitRows(new SplittableRandom(1), 10, 4);
        LatentfieldException e = assertThrows(LatentfieldException.class,
                () -> BatchOmp.solve(d, new Points(2, 5, new float[10]), new BatchOmp.Options(2, 0, Device.CPU)));
        assertTrue(e.getMessage().contains("4 dimensions") && e.getMessage().contains("5"), e.getMessage());
        e = assertThrows(LatentfieldException.class, () -> BatchOmp.solve(d, new Points(1, 4, new float[4]), new BatchOmp.Options(11, 0, Device.CPU)));
        assertTrue(e.getMessage().contains("exceeds the dictionary's 10 atoms"), e.getMessage());
        assertThrows(LatentfieldException.class, () -> new BatchOmp.Options(0, 0, Device.CPU));
        assertThrows(LatentfieldException.class, () -> new BatchOmp.Options(1, -1, Device.CPU));
    }

    static Points unitRows(SplittableRandom rng, int n, int dim) {
        float[] v = new float[n * dim];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                double g = gaussian(rng);
                v[i * dim + j] = (float) g;
                s += g * g;
            }
            for (int j = 0; j < dim; j++) {
                v[i * dim + j] /= (float) Math.sqrt(s);
            }
        }
        return new Points(n, dim, v);
    }

    private static double gaussian(SplittableRandom rng) {
        double u = rng.nextDouble(), w = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }

    private static int[] sortedOrder(int[] a) {
        return java.util.stream.IntStream.range(0, a.length).boxed().sorted((p, q) -> Integer.compare(a[p], a[q])).mapToInt(Integer::intValue).toArray();
    }
}
