package org.latentfield.dynamics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.map.torch.AnalyticMaps;
import org.latentfield.map.torch.TorchScriptAutoencoder;

class FixedPointSolverTest {
    @TempDir
    Path dir;

    static final float[] CENTERS_3D = AnalyticMaps.OCTAHEDRON_3D;

    @Test
    void linearContractionMatchesClosedFormIterationCounts() throws Exception {
        int k = 4;
        double a = 0.8;
        double theta = 0.3;
        double tol = 1e-6;
        Points z0 = StartPoints.gaussian(300, k, 2.0, 11);
        try (TorchScriptAutoencoder map = AnalyticMaps.linear(dir, AnalyticMaps.scaledRotation(k, a, theta), k)) {
            FixedPointResult r = FixedPointSolver.solve(map, z0, FixedPointSolver.Options.defaults().withBatchSize(64));
            assertEquals(300, r.count(PointState.CONVERGED));
            for (int i = 0; i < z0.n(); i++) {
                // ||z_t - z_{t-1}|| = a^{t-1} ||(aR - I) z_0||; ||(aR - I) v||^2 = (1 - 2a cos(theta) + a^2) ||v||^2 per pair.
                double c = (1 - 2 * a * Math.cos(theta) + a * a) * norm2(z0.row(i));
                int expected = 1;
                while (Math.pow(a, 2.0 * (expected - 1)) * c >= tol) {
                    expected++;
                }
                assertTrue(Math.abs(r.iterations()[i] - expected) <= 1,
                        "point " + i + ": " + r.iterations()[i] + " iterations, closed form " + expected);
                double endNorm = Math.sqrt(norm2(r.endpoints().row(i)));
                assertEquals(Math.pow(a, r.iterations()[i]) * Math.sqrt(norm2(z0.row(i))), endNorm, 1e-5);
            }
            Attractors at = Attractors.find(r, new MergeRule.Euclidean(0.05));
            assertEquals(1, at.count());
            assertEquals(300, at.attractors().get(0).basinSize());
            assertTrue(Math.sqrt(norm2(at.attractors().get(0).point())) < 5e-3);
        }
    }

    @Test
    void plantedAttractorsAreAllFoundWithTheirBasins() throws Exception {
        int k = 3;
        int n = 900;
        Points z0 = StartPoints.uniform(n, k, -4, 4, 5);
        try (TorchScriptAutoencoder map = AnalyticMaps.planted(dir, CENTERS_3D, 6, k, 0.5, 0.7)) {
            FixedPointResult r = FixedPointSolver.solve(map, z0, FixedPointSolver.Options.defaults().withTol(1e-10).withBatchSize(128));
            assertEquals(n, r.count(PointState.CONVERGED));
            Attractors at = Attractors.find(r, MergeRule.paperDefault());
            assertEquals(6, at.count(), "attractor count");
            boolean[] hit = new boolean[6];
            int basinTotal = 0;
            for (Attractors.Attractor a : at.attractors()) {
                int c = nearest(a.point(), CENTERS_3D, k);
                assertEquals(0, distance(a.point(), 0, CENTERS_3D, c * k, k), 1e-4, "attractor vs planted center " + c);
                hit[c] = true;
                basinTotal += a.basinSize();
                assertTrue(a.basinSize() > n / 20, "every planted center has a real basin: " + a.basinSize());
            }
            for (boolean h : hit) {
                assertTrue(h);
            }
            assertEquals(n, basinTotal);
            for (int i = 0; i < n; i++) {
                float[] p = at.attractors().get(at.basin()[i]).point();
                assertEquals(0, distance(r.endpoints().data(), i * k, p, 0, k), 1e-4);
            }
        }
    }

    @Test
    void divergentRegionIsFlaggedWithoutCrashing() throws Exception {
        int k = 2;
        Points z0 = StartPoints.gaussian(500, k, 1.0, 3);
        long outside = 0;
        for (int i = 0; i < z0.n(); i++) {
            outside += norm2(z0.row(i)) >= 1 ? 1 : 0;
        }
        try (TorchScriptAutoencoder map = AnalyticMaps.divergentOutsideUnitBall(dir, k)) {
            for (double bound : new double[] {1e6, Double.POSITIVE_INFINITY}) {
                FixedPointResult r = FixedPointSolver.solve(map, z0, FixedPointSolver.Options.defaults().withDivergenceBound(bound));
                assertEquals(outside, r.count(PointState.DIVERGED), "bound " + bound);
                assertEquals(z0.n() - outside, r.count(PointState.CONVERGED), "bound " + bound);
                Attractors at = Attractors.find(r, MergeRule.paperDefault());
                assertEquals(1, at.count(), "only the origin is an attractor");
                for (int i = 0; i < z0.n(); i++) {
                    if (r.states()[i] == PointState.DIVERGED) {
                        assertEquals(-1, at.basin()[i]);
                        assertTrue(r.iterations()[i] < 20, "divergence is caught early: " + r.iterations()[i]);
                    }
                }
            }
        }
    }

    @Test
    void iterationCapMeansNotConverged() throws Exception {
        int k = 2;
        Points z0 = StartPoints.gaussian(100, k, 1.0, 9);
        try (TorchScriptAutoencoder map = AnalyticMaps.linear(dir, AnalyticMaps.scaledRotation(k, 1.0, Math.PI / 2), k)) {
            FixedPointResult r = FixedPointSolver.solve(map, z0, FixedPointSolver.Options.defaults().withMaxIter(50));
            assertEquals(100, r.count(PointState.NOT_CONVERGED));
            assertTrue(Arrays.stream(r.iterations()).allMatch(t -> t == 50));
            Attractors at = Attractors.find(r, MergeRule.paperDefault());
            assertEquals(0, at.count());
            assertTrue(Arrays.stream(at.basin()).allMatch(b -> b == -1));
        }
    }

    @Test
    void compactionGivesTheNaiveLoopsResults() throws Exception {
        int k = 3;
        Points z0 = StartPoints.uniform(777, k, -5, 5, 21);
        try (TorchScriptAutoencoder map = AnalyticMaps.planted(dir, CENTERS_3D, 6, k, 0.15, 0.9)) {
            for (int batch : new int[] {64, 1000}) {
                var options = FixedPointSolver.Options.defaults().withTol(1e-9).withBatchSize(batch);
                FixedPointResult fast = FixedPointSolver.solve(map, z0, options);
                FixedPointResult naive = FixedPointSolver.solveNaive(map, z0, options);
                assertArrayEquals(naive.states(), fast.states());
                assertArrayEquals(naive.iterations(), fast.iterations());
                float[] a = fast.endpoints().data();
                float[] b = naive.endpoints().data();
                double maxDiff = 0;
                for (int i = 0; i < a.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                }
                assertTrue(maxDiff <= 1e-6, "max abs endpoint difference " + maxDiff + " at batch " + batch);
                int spread = Arrays.stream(fast.iterations()).max().getAsInt() - Arrays.stream(fast.iterations()).min().getAsInt();
                assertTrue(spread > 10, "the test exercises compaction: iteration counts spread over " + spread);
            }
        }
    }

    @Test
    void trajectoriesHoldEveryRthIterateThenTheEndpoint() throws Exception {
        int k = 2;
        double a = 0.7;
        int every = 3;
        Points z0 = StartPoints.gaussian(40, k, 1.0, 4);
        try (TorchScriptAutoencoder map = AnalyticMaps.linear(dir, AnalyticMaps.scaledRotation(k, a, 0.5), k)) {
            var options = FixedPointSolver.Options.defaults().withMaxIter(60).withRecordEvery(every).withBatchSize(16);
            FixedPointResult r = FixedPointSolver.solve(map, z0, options);
            int slots = r.slots();
            assertEquals(60 / every + 1, slots);
            float[] traj = r.trajectories();
            assertEquals(40 * slots * k, traj.length);
            for (int i = 0; i < 40; i++) {
                for (int s = 0; s < slots; s++) {
                    int t = Math.min(s * every, r.iterations()[i]);
                    double expectedNorm = Math.pow(a, t) * Math.sqrt(norm2(z0.row(i)));
                    double got = Math.hypot(traj[(i * slots + s) * k], traj[(i * slots + s) * k + 1]);
                    assertEquals(expectedNorm, got, 1e-5, "point " + i + " slot " + s);
                }
                assertEquals(r.endpoints().get(i, 0), traj[(i * slots + slots - 1) * k], 0f);
            }
        }
    }

    static double norm2(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return s;
    }

    static double distance(float[] a, int ao, float[] b, int bo, int k) {
        double s = 0;
        for (int j = 0; j < k; j++) {
            double d = a[ao + j] - b[bo + j];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    static int nearest(float[] p, float[] centers, int k) {
        int best = -1;
        double bestD = Double.MAX_VALUE;
        for (int c = 0; c < centers.length / k; c++) {
            double d = distance(p, 0, centers, c * k, k);
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best;
    }
}
