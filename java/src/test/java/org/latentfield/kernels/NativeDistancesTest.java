package org.latentfield.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.MergeRule;

/** liblf's distance kernels through the Java facade, against plain Java brute force. */
class NativeDistancesTest {
    private static final int DIM = 7;

    private static double euclidean(float[] a, int i, float[] b, int j) {
        double s = 0;
        for (int c = 0; c < DIM; c++) {
            double d = (double) a[i * DIM + c] - b[j * DIM + c];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    @Test
    void nearestAndKnnMatchBruteForce() {
        float[] x = StartPoints.gaussian(300, DIM, 5.0, 1).data();
        float[] set = StartPoints.gaussian(900, DIM, 5.0, 2).data();
        NativeDistances.Nearest near = NativeDistances.nearest(x, set, DIM, NativeDistances.Metric.EUCLIDEAN, Device.CPU);
        float[] knn = NativeDistances.knnMeanDistance(x, set, DIM, 25, Device.CPU);
        for (int i = 0; i < 300; i++) {
            double[] d = new double[900];
            int best = 0;
            for (int j = 0; j < 900; j++) {
                d[j] = euclidean(x, i, set, j);
                if (d[j] < d[best]) {
                    best = j;
                }
            }
            assertEquals(best, near.index()[i], "nearest of row " + i);
            assertEquals(d[best], near.distance()[i], 1e-5 * d[best]);
            Arrays.sort(d);
            double mean = Arrays.stream(d, 0, 25).sum() / 25;
            assertEquals(mean, knn[i], 1e-5 * mean, "knn mean of row " + i);
        }
    }

    @Test
    void dedupMatchesTheJavaMergeRule() {
        // clustered points: 40 directions, 10 noisy copies each, some left out
        Points centres = StartPoints.gaussian(40, DIM, 1.0, 3);
        Points noise = StartPoints.gaussian(400, DIM, 0.02, 4);
        float[] x = new float[400 * DIM];
        boolean[] active = new boolean[400];
        for (int i = 0; i < 400; i++) {
            active[i] = i % 13 != 0;
            for (int c = 0; c < DIM; c++) {
                x[i * DIM + c] = centres.get(i % 40, c) * (1 + i % 3) + noise.get(i, c);
            }
        }
        for (MergeRule rule : List.of(MergeRule.paperDefault(), MergeRule.parse("euclidean:0.5"))) {
            NativeDistances.Dedup got = rule.dedup(x, DIM, active);
            List<Integer> leaders = new ArrayList<>();
            int[] want = new int[400];
            for (int i = 0; i < 400; i++) {
                want[i] = -1;
                if (!active[i]) {
                    continue;
                }
                int c = 0;
                while (c < leaders.size() && !rule.same(x, i * DIM, x, leaders.get(c) * DIM, DIM)) {
                    c++;
                }
                if (c == leaders.size()) {
                    leaders.add(i);
                }
                want[i] = c;
            }
            assertArrayEquals(want, got.cluster(), rule.spec());
            assertArrayEquals(leaders.stream().mapToInt(Integer::intValue).toArray(), got.leader(), rule.spec());
        }
        assertEquals(40, MergeRule.paperDefault().dedup(x, DIM, active).count(), "cosine merges the scaled copies");
        assertEquals(120, MergeRule.parse("euclidean:0.5").dedup(x, DIM, active).count(), "euclidean keeps the scales apart");
    }

    @Test
    void cudaIsRefusedInOneSentenceWithoutAGpu() {
        assumeTrue(NativeKernels.cudaDeviceCount() == 0, "a GPU is present: the CUDA path is taken instead");
        LatentfieldException e = assertThrows(LatentfieldException.class, () -> Device.resolve("cuda"));
        assertTrue(e.getMessage().startsWith("--device cuda: no CUDA device is visible"), e.getMessage());
        assertEquals(Device.CPU, Device.resolve("auto"));
        NativeKernelException n = assertThrows(NativeKernelException.class,
                () -> NativeDistances.nearest(new float[DIM], new float[DIM], DIM, NativeDistances.Metric.COSINE, Device.CUDA));
        assertTrue(n.getMessage().contains("lf_cuda_malloc"), n.getMessage());
        assertTrue(NativeKernels.gemmProviders().startsWith("cpu=cblas:"), "OpenBLAS of the JavaCPP preset in use: " + NativeKernels.gemmProviders());
    }
}
