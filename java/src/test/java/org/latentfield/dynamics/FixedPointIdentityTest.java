package org.latentfield.dynamics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.latentfield.data.Points;
import org.latentfield.dynamics.AnalyticMaps.Basins;
import org.latentfield.dynamics.AnalyticMaps.Linear;

/** Polishing and the identity rule on analytic maps whose fixed points are known (issue 12). */
class FixedPointIdentityTest {
    private static Points gaussian(int n, int k, double scale, double[] shift, long seed) {
        return AnalyticMaps.gaussian(n, k, scale, shift, seed);
    }

    private static int clusters(int[] c) {
        return (int) Arrays.stream(c).filter(v -> v >= 0).distinct().count();
    }

    @Test
    void theLinearContractionHasOneFixedPointWhateverTheStoppingResidual() {
        Linear map = new Linear(new double[] {0.9, 0.5, -0.8, 0.3});
        FixedPointResult run = FixedPointSolver.solve(map, gaussian(1000, 4, 1, null, 1), FixedPointSolver.Options.defaults());
        Attractors cosine = Attractors.find(run, MergeRule.paperDefault());
        assertTrue(cosine.count() > 1, "the paper's rule splits the origin at the stopping residual: " + cosine.count());
        FixedPointPolish.Result polished = FixedPointPolish.polish(map, run.endpoints().data(), 1000, FixedPointPolish.DEFAULT_TOL, 20);
        assertEquals("newton", polished.method());
        assertEquals(FixedPointPolish.FLOAT32_FLOOR, polished.tol(), 0, "a float32 map cannot go below its floor, and says so");
        for (int p = 0; p < 1000; p++) {
            assertTrue(polished.reached()[p], "point " + p + " residual " + polished.residual()[p]);
            assertTrue(FixedPointPolish.norm(polished.points(), p, 4) < 1e-5, "polished onto the origin");
            assertEquals(0.9, polished.rho()[p], 1e-5);
        }
        assertEquals(1, clusters(FixedPointIdentity.cluster(polished, 4)));
    }

    @Test
    void fixedPointsAtNormsOneThousandthOneAndOneThousandAreThree() {
        double[][] centers = {{1e-3, 0}, {0, 1}, {1e3, 0}};
        Basins map = new Basins(centers, 0.5);
        float[] z = new float[3 * 100 * 2];
        for (int c = 0; c < 3; c++) {
            Points near = gaussian(100, 2, 1e-4 * Math.max(1e-3, Math.abs(centers[c][0] + centers[c][1])), centers[c], c);
            System.arraycopy(near.data(), 0, z, c * 200, 200);
        }
        FixedPointResult run = FixedPointSolver.solve(map, new Points(300, 2, z), FixedPointSolver.Options.defaults().withTol(1e-7));
        FixedPointPolish.Result polished = FixedPointPolish.polish(map, run.endpoints().data(), 300, FixedPointPolish.DEFAULT_TOL, 20);
        int[] cluster = FixedPointIdentity.cluster(polished, 2);
        assertEquals(3, clusters(cluster));
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 100; i++) {
                assertEquals(cluster[c * 100], cluster[c * 100 + i], "one fixed point per center");
            }
        }
    }

    @Test
    void zAndTwoZAreDifferentFixedPoints() {
        double[][] centers = {{1, 1}, {2, 2}};
        Basins map = new Basins(centers, 0.5);
        float[] z = new float[2 * 50 * 2];
        for (int c = 0; c < 2; c++) {
            System.arraycopy(gaussian(50, 2, 0.05, centers[c], 10 + c).data(), 0, z, c * 100, 100);
        }
        FixedPointResult run = FixedPointSolver.solve(map, new Points(100, 2, z), FixedPointSolver.Options.defaults());
        assertEquals(1, Attractors.find(run, MergeRule.paperDefault()).count(), "the cosine rule merges z and 2z");
        FixedPointPolish.Result polished = FixedPointPolish.polish(map, run.endpoints().data(), 100, FixedPointPolish.DEFAULT_TOL, 20);
        assertEquals(2, clusters(FixedPointIdentity.cluster(polished, 2)));
    }

    /**
     * The case found on fmnist-conv-k16 (issue 13): one attractor (rho 0.9158, gap 0.084, |z*|
     * about 146) polished from two basins of starts to two points 1.6e-4 apart, each with a
     * residual at float32's floor. Whether they were merged depended on the last bits of f (LibTorch
     * with oneDNN: 6 attractors, without it or on liblf's engine: 5). The floor's uncertainty of
     * the residual moves the fixed point by 1 / gap as much, so they are one; a point 100 times as
     * far away (|z| the same) is another.
     */
    @Test
    void theResidualsFloatFloorCountsThroughTheGap() {
        double norm = 146.13, gap = 0.0842, residual = 1e-7 * norm, floor = FixedPointPolish.FLOAT32_FLOOR;
        double e = FixedPointIdentity.radius(residual, gap, norm, floor);
        assertTrue(2 * e >= 1.6e-4, "two polishings of one float32 fixed point 1.6e-4 apart are the same: radius " + e);
        assertTrue(2 * e < 1.6e-2, "a fixed point 1.6e-2 away is another: radius " + e);
        assertEquals(residual + floor * norm, FixedPointIdentity.radius(residual, 5.0, norm, floor), 1e-15,
                "a strongly repelling point keeps at least the floor");
        assertEquals(residual + floor * norm, FixedPointIdentity.radius(residual, Double.NaN, norm, floor), 1e-15, "no spectrum: the numerator");
    }
}
