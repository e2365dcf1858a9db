package org.latentfield.dynamics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.map.NativeEngineMap;

/** The spot check of native runs on analytic maps: f(z) = a z + b as one native layer, checked against another. */
class NativeRunCheckTest {
    /** f(z) = a z + b in 2-D, as a native plan. */
    private static NativeMlp affine(float a, float b) {
        return NativeMlp.create(List.of(new NativeMlp.Layer(2, 2, new float[] {a, 0, 0, a}, new float[] {b, b},
                NativeMlp.Activation.IDENTITY)), Device.CPU);
    }

    private static FixedPointResult run(NativeMlp mlp, Points starts) {
        return FixedPointSolver.solveNative(mlp, starts, new FixedPointSolver.Options(1e-10, 500, 1e6, 64, 0), done -> { });
    }

    @Test
    void aRightPlanPassesAndAWrongOneFailsOnAgreement() {
        Points starts = StartPoints.gaussian(300, 2, 3.0, 1);
        try (NativeMlp mlp = affine(0.5f, 1f); NativeEngineMap same = new NativeEngineMap(affine(0.5f, 1f), "same");
             NativeEngineMap other = new NativeEngineMap(affine(0.5f, 1.001f), "other")) {
            FixedPointResult r = run(mlp, starts);
            NativeRunCheck.Verdict ok = NativeRunCheck.afterRun(r, mlp, same, NativeRunCheck.Options.DEFAULT);
            assertTrue(ok.passed(), ok.describe());
            assertEquals(64, ok.checked());
            assertEquals(64, ok.converged());
            assertEquals(0, ok.disagreement(), 1e-7);
            assertTrue(ok.residual() < 1e-4, ok.describe());

            // f differs by 0.001 at |f| ~ 2: relative 0.001 / 3 > 1e-4
            NativeRunCheck.Verdict bad = NativeRunCheck.afterRun(r, mlp, other, NativeRunCheck.Options.DEFAULT);
            assertFalse(bad.passed());
            assertEquals(1e-3 / 3, bad.disagreement(), 1e-5);
            assertTrue(bad.failure().startsWith("at 64 of 64 points the native f differs from LibTorch's by up to 0.000333"),
                    bad.failure());
        }
    }

    @Test
    void convergedEndpointsThatAreNotFixedPointsFailOnTheResidual() {
        try (NativeMlp mlp = affine(0.5f, 1f); NativeEngineMap same = new NativeEngineMap(affine(0.5f, 1f), "same")) {
            FixedPointResult r = run(mlp, StartPoints.gaussian(10, 2, 3.0, 2));
            float[] moved = r.endpoints().data().clone();
            moved[0] += 0.01f; // one endpoint reported 0.01 away from the fixed point (2, 2)
            FixedPointResult wrong = new FixedPointResult(r.starts(), new Points(10, 2, moved), r.iterations(), r.states(),
                    r.finalStepSq(), null, 0, r.options(), r.seconds());
            NativeRunCheck.Verdict v = NativeRunCheck.afterRun(wrong, mlp, same, NativeRunCheck.Options.DEFAULT);
            assertEquals(0, v.disagreement(), 1e-7, "both maps agree; only the endpoint is off");
            assertEquals(0.005, v.residual(), 1e-5, "|f(z*) - z*| = 0.5 * 0.01");
            assertTrue(v.failure().startsWith("1 of 10 converged endpoints are not fixed points of LibTorch's f"), v.failure());
        }
    }

    @Test
    void theSampleSpreadsOverAttractorsAndPrefersConvergedFiniteEndpoints() {
        int n = 2000;
        float[] z = new float[n * 2];
        PointState[] states = new PointState[n];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            int cluster = i < 3 ? 2 : i < 40 ? 1 : 0; // basins of 1960, 37 and 3 points
            z[2 * i] = (float) (10 * cluster + 1e-6 * random.nextGaussian());
            z[2 * i + 1] = -5f * cluster;
            states[i] = i % 10 == 9 ? PointState.NOT_CONVERGED : PointState.CONVERGED;
        }
        z[2 * 20] = Float.NaN;
        int[] rows = NativeRunCheck.sample(new Points(n, 2, z), states, 8, 7);
        assertEquals(8, rows.length);
        assertEquals(8, Arrays.stream(rows).distinct().count());
        assertTrue(Arrays.stream(rows).anyMatch(i -> i < 3), "the basin of 3 points is sampled: " + Arrays.toString(rows));
        assertTrue(Arrays.stream(rows).anyMatch(i -> i >= 3 && i < 40), "the basin of 37 points is sampled");
        assertTrue(Arrays.stream(rows).allMatch(i -> states[i] == PointState.CONVERGED && i != 20), "converged, finite rows first");
        assertEquals(Arrays.toString(rows), Arrays.toString(NativeRunCheck.sample(new Points(n, 2, z), states, 8, 7)), "seeded");
    }
}
