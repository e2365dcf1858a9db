package org.latentfield.dynamics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.latentfield.data.Points;
import org.latentfield.dynamics.AnalyticMaps.Linear;

/** Picard's observed asymptotic rate against rho(J) (issue 12). */
class PicardRatesTest {
    @Test
    void theObservedRateOfALinearMapIsItsSpectralRadius() {
        Linear map = new Linear(new double[] {0.9, 0.5, -0.4, 0.3});
        Points starts = AnalyticMaps.gaussian(500, 4, 1, null, 21);
        FixedPointSolver.Options options = FixedPointSolver.Options.defaults().withBatchSize(64);
        PicardRates rates = PicardRates.measure(map, starts, options, done -> { });
        FixedPointResult plain = FixedPointSolver.solve(map, starts, options);
        assertArrayEquals(plain.iterations(), rates.run().iterations(), "watching a run does not change it");
        assertArrayEquals(plain.endpoints().data(), rates.run().endpoints().data());
        double[] q = Arrays.stream(rates.rate()).filter(Double::isFinite).sorted().toArray();
        assertEquals(500, q.length);
        assertEquals(0.9, q[q.length / 2], 1e-3, "median observed rate");
        long close = Arrays.stream(q).filter(v -> Math.abs(v - 0.9) < 1e-3).count();
        assertTrue(close >= 450, close + " of 500 starts within 1e-3 of rho");
    }
}
