package org.latentfield.dynamics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Points;
import org.latentfield.dynamics.AnalyticMaps.Basins;
import org.latentfield.dynamics.AnalyticMaps.DoubleWell;
import org.latentfield.dynamics.AnalyticMaps.Linear;
import org.latentfield.dynamics.AnalyticMaps.Matrix;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeSpectra;
import org.latentfield.report.IterationStats;

/**
 * The default attractor rule, the solvers and the classification of fixed points on analytic
 * maps (issue 12: "Tests that must exist").
 */
class SolversTest {
    private static final FixedPointSolver.Options DEFAULTS = FixedPointSolver.Options.defaults();
    private static final Solver ANDERSON = Solver.parse("anderson");
    private static final Solver NEWTON = Solver.parse("newton");

    @Test
    void theLinearContractionIsOneAttractorByDefaultAndItsIterationCountsAreUnchanged() {
        // rho(A) = 0.9: two rotation-scalings, 0.9 R(0.5) on the first plane and 0.5 R(1.1) on the second
        Matrix map = new Matrix(4, rotations(0.9, 0.5, 0.5, 1.1));
        Points starts = AnalyticMaps.gaussian(1000, 4, 1, null, 3);
        FixedPointResult run = FixedPointSolver.solve(map, starts, DEFAULTS);
        assertArrayEquals(FixedPointSolver.solveNaive(map, starts, DEFAULTS).iterations(), run.iterations());
        Attractors paper = AttractorRule.paper().apply(run, map);
        Attractors found = AttractorRule.defaults().apply(run, map);
        assertTrue(paper.count() > 20, "the paper's rule splits the origin: " + paper.count());
        assertEquals(1, found.count());
        assertEquals(1000, found.attractors().get(0).basinSize());
        assertEquals(0.9, found.attractors().get(0).rho(), 1e-5);
        assertTrue(found.others().isEmpty());
        assertTrue(found.merge().startsWith("identity"), found.merge());
    }

    @Test
    void attractorsAtNormsOneThousandthOneAndOneThousandAreThreeByDefault() {
        double[][] centers = {{1e-3, 0}, {0, 1}, {1e3, 0}};
        Basins map = new Basins(centers, 0.5);
        float[] z = new float[3 * 100 * 2];
        for (int c = 0; c < 3; c++) {
            double scale = 0.05 * Math.max(1e-3, Math.abs(centers[c][0] + centers[c][1]));
            System.arraycopy(AnalyticMaps.gaussian(100, 2, scale, centers[c], c).data(), 0, z, c * 200, 200);
        }
        FixedPointResult run = FixedPointSolver.solve(map, new Points(300, 2, z), DEFAULTS.withTol(1e-7));
        Attractors found = AttractorRule.defaults().apply(run, map);
        assertEquals(3, found.count());
        for (Attractors.Attractor a : found.attractors()) {
            assertEquals(100, a.basinSize());
        }
    }

    @Test
    void zAndTwoZAreTwoAttractorsByDefault() {
        Basins map = new Basins(new double[][] {{1, 1}, {2, 2}}, 0.5);
        float[] z = new float[200];
        System.arraycopy(AnalyticMaps.gaussian(50, 2, 0.05, new double[] {1, 1}, 1).data(), 0, z, 0, 100);
        System.arraycopy(AnalyticMaps.gaussian(50, 2, 0.05, new double[] {2, 2}, 2).data(), 0, z, 100, 100);
        FixedPointResult run = FixedPointSolver.solve(map, new Points(100, 2, z), DEFAULTS);
        assertEquals(1, AttractorRule.paper().apply(run, map).count());
        assertEquals(2, AttractorRule.defaults().apply(run, map).count());
    }

    @Test
    void picardFindsTheTwoWellsOfTheDoubleWellAndNeverCallsTheSaddleAnAttractor() {
        DoubleWell map = new DoubleWell(0.1);
        Attractors found = AttractorRule.defaults().apply(FixedPointSolver.solve(map, AnalyticMaps.gaussian(400, 2, 1, null, 5), DEFAULTS), map);
        assertEquals(2, found.count());
        for (Attractors.Attractor a : found.attractors()) {
            assertEquals(1, Math.abs(a.polished64()[0]), 1e-5);
            assertEquals(0, a.polished64()[1], 1e-5);
            assertEquals(0.9, a.rho(), 1e-5); // J = diag(1 - 2h, 1 - h)
        }
        // a start with |x0| < 0.01 meets the step rule near the saddle before it escapes: polished, it is the saddle
        for (Attractors.FixedPoint other : found.others()) {
            assertEquals(FixedPointKind.SADDLE, other.kind());
            assertEquals(0, Math.hypot(other.polished64()[0], other.polished64()[1]), 1e-6);
        }
    }

    @Test
    void andersonAndNewtonFindTheSaddleOfTheDoubleWellAndCallItASaddle() {
        DoubleWell map = new DoubleWell(0.1);
        // near the saddle, inside the cone where its stable direction dominates
        Points starts = nearSaddle(200, 7);
        for (Solver solver : new Solver[] {ANDERSON, NEWTON}) {
            FixedPointResult run = solver.solve(map, starts, DEFAULTS, done -> { });
            assertEquals(200, run.count(PointState.CONVERGED), solver.spec());
            Attractors found = AttractorRule.defaults().apply(run, map);
            assertEquals(1, found.others().size(), solver.spec() + " finds one saddle");
            Attractors.FixedPoint saddle = found.others().get(0);
            assertEquals(FixedPointKind.SADDLE, saddle.kind());
            assertEquals(0, Math.hypot(saddle.polished64()[0], saddle.polished64()[1]), 1e-6);
            assertEquals(1.1, saddle.rho(), 1e-5);
            assertTrue(saddle.starts() > 150, solver.spec() + ": " + saddle.starts() + " starts at the saddle");
            for (Attractors.Attractor a : found.attractors()) {
                assertEquals(1, Math.abs(a.polished64()[0]), 1e-5, "only the wells are attractors");
            }
            assertEquals(-1, found.basin()[found.others().get(0).representative()], "a saddle has no basin");
        }
    }

    @Test
    void andersonFindsEveryAttractorPicardFindsWithFarFewerEvaluations() {
        Linear linear = new Linear(new double[] {0.9, 0.5, -0.8, 0.3});
        Points starts = AnalyticMaps.gaussian(500, 4, 1, null, 11);
        FixedPointResult picard = FixedPointSolver.solve(linear, starts, DEFAULTS);
        FixedPointResult anderson = ANDERSON.solve(linear, starts, DEFAULTS, done -> { });
        assertEquals(500, anderson.count(PointState.CONVERGED));
        double picardMedian = IterationStats.of(picard.evaluations()).median();
        double andersonMedian = IterationStats.of(anderson.evaluations()).median();
        assertTrue(andersonMedian * 3 <= picardMedian, "median evaluations: Anderson " + andersonMedian + ", Picard " + picardMedian);
        assertEquals(1, AttractorRule.defaults().apply(anderson, linear).count());

        DoubleWell well = new DoubleWell(0.1);
        Points noise = AnalyticMaps.gaussian(400, 2, 1, null, 5);
        Attractors byPicard = AttractorRule.defaults().apply(FixedPointSolver.solve(well, noise, DEFAULTS), well);
        Attractors byAnderson = AttractorRule.defaults().apply(ANDERSON.solve(well, noise, DEFAULTS, done -> { }), well);
        for (Attractors.Attractor p : byPicard.attractors()) {
            assertTrue(byAnderson.attractors().stream().anyMatch(a -> Math.abs(a.polished64()[0] - p.polished64()[0]) < 1e-5),
                    "Anderson finds the attractor at " + Arrays.toString(p.polished64()));
        }
    }

    @Test
    void newtonConvergesQuadraticallyOnTheLinearContraction() {
        Linear map = new Linear(new double[] {0.9, 0.5, -0.8, 0.3});
        FixedPointResult run = NEWTON.solve(map, AnalyticMaps.gaussian(100, 4, 1, null, 13), DEFAULTS, done -> { });
        assertEquals(100, run.count(PointState.CONVERGED));
        for (int i = 0; i < 100; i++) {
            assertTrue(run.iterations()[i] <= 3, "one Newton step solves a linear map exactly: " + run.iterations()[i]);
            assertEquals(run.iterations()[i] - 1, run.jacobianEvaluations()[i]);
        }
    }

    @Test
    void aNonNormalMapAttractsThoughItsJacobianNormExceedsOne() {
        Matrix map = new Matrix(2, new double[] {0.5, 2, 0, 0.5});
        float[] jac = new float[4];
        map.jacobian(new float[2], 0, jac, 0);
        assertTrue(NativeSpectra.of(jac, 2, 1000, 1e-9, Device.CPU).spectralNorm()[0] > 2, "||J||_2 > 1: the paper's bound says nothing");
        FixedPointResult run = FixedPointSolver.solve(map, AnalyticMaps.gaussian(300, 2, 1, null, 17), DEFAULTS);
        assertEquals(300, run.count(PointState.CONVERGED));
        Attractors found = AttractorRule.defaults().apply(run, map);
        assertEquals(1, found.count());
        assertEquals(0.5, found.attractors().get(0).rho(), 1e-5);
    }

    @Test
    void kindsFollowTheModuliOfTheEigenvalues() {
        assertEquals(FixedPointKind.ATTRACTOR, FixedPointKind.classify(new float[] {0.9f, 0.1f}, 0, 2));
        assertEquals(FixedPointKind.SADDLE, FixedPointKind.classify(new float[] {1.1f, 0.9f}, 0, 2));
        assertEquals(FixedPointKind.REPELLER, FixedPointKind.classify(new float[] {1.1f, 2f}, 0, 2));
        assertEquals(FixedPointKind.NON_HYPERBOLIC, FixedPointKind.classify(new float[] {1f, 0.5f}, 0, 2));
        assertEquals(FixedPointKind.UNDEFINED, FixedPointKind.classify(new float[] {Float.NaN, 0.5f}, 0, 2));
    }

    @Test
    void badSolverSpecsAreOneSentence() {
        assertEquals("anderson:3", Solver.parse("anderson:3").spec());
        assertEquals("anderson:5:0.5", Solver.parse("Anderson:5:0.5").spec());
        for (String bad : new String[] {"broyden", "anderson:0", "anderson:x", "anderson:5:0", "newton:2", "picard:1"}) {
            LatentfieldException e = assertThrows(LatentfieldException.class, () -> Solver.parse(bad));
            assertTrue(e.getMessage().startsWith("--solver"), e.getMessage());
        }
    }

    @Test
    void newtonRefusesALatentTooWideForItsSolvesAndNamesTheAlternative() {
        double[] diag = new double[NewtonSolver.MAX_K + 1];
        Arrays.fill(diag, 0.5);
        Linear wide = new Linear(diag);
        LatentfieldException e = assertThrows(LatentfieldException.class,
                () -> NEWTON.solve(wide, AnalyticMaps.gaussian(2, diag.length, 1, null, 1), DEFAULTS, done -> { }));
        assertTrue(e.getMessage().contains("k = " + diag.length) && e.getMessage().contains("use anderson"), e.getMessage());
    }

    /** The 4 x 4 block-diagonal matrix diag(a R(s), b R(t)) with R(theta) a rotation of the plane. */
    static double[] rotations(double a, double s, double b, double t) {
        return new double[] {
            a * Math.cos(s), -a * Math.sin(s), 0, 0,
            a * Math.sin(s), a * Math.cos(s), 0, 0,
            0, 0, b * Math.cos(t), -b * Math.sin(t),
            0, 0, b * Math.sin(t), b * Math.cos(t)};
    }

    /** Starts within 0.05 of the double well's saddle, their x component smaller than their y one. */
    private static Points nearSaddle(int n, long seed) {
        Points g = AnalyticMaps.gaussian(n, 2, 1, null, seed);
        float[] z = g.data().clone();
        for (int i = 0; i < n; i++) {
            float y = 0.02f + 0.03f * Math.abs(z[2 * i + 1]) / 3;
            z[2 * i] = 0.2f * y * Math.max(-1, Math.min(1, z[2 * i]));
            z[2 * i + 1] = (i % 2 == 0 ? 1 : -1) * y;
        }
        return new Points(n, 2, z);
    }
}
