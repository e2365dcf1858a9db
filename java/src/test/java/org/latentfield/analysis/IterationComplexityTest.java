package org.latentfield.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.latentfield.data.Points;

/** The contraction bound on a map whose iteration counts it predicts exactly. */
class IterationComplexityTest {
    @Test
    void halvingMapMeetsTheBound() {
        // f(z) = z / 2 from z0 = (d, 0): ||z_t|| = d / 2^t, so reaching eps takes log(eps / d) / log(1/2) steps
        double eps = 1e-3;
        double[] d = {1, 10, 100, 1000};
        float[] s = new float[8];
        int[] its = new int[4], basin = new int[4];
        for (int i = 0; i < 4; i++) {
            s[2 * i] = (float) d[i];
            its[i] = (int) Math.ceil(Math.log(eps / d[i]) / Math.log(0.5));
        }
        IterationComplexity c = IterationComplexity.of(new Points(4, 2, s), new Points(1, 2, new float[2]), its, basin,
                new float[] {0.5f}, new float[] {0.5f}, eps);
        for (int i = 0; i < 4; i++) {
            assertEquals(Math.log(eps / d[i]) / Math.log(0.5), c.boundNorm()[i], 1e-9);
            assertTrue(c.observed()[i] >= c.boundNorm()[i]);
        }
        assertEquals(1.0, c.correlationNorm(), 5e-3, "observed = ceil(bound): correlation ~1");
        assertEquals(4, c.definedNorm());
        IterationComplexity expanding = IterationComplexity.of(new Points(4, 2, s), new Points(1, 2, new float[2]), its, basin,
                new float[] {1.5f}, new float[] {0.5f}, eps);
        assertEquals(0, expanding.definedNorm(), "no bound where ||J||_2 >= 1");
        assertEquals(4, expanding.definedRadius());
    }
}
