package org.latentfield.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GaussianMixtureTest {
    @Test
    void componentMeansAndSpreadMatchAndDrawsAreSeeded() {
        GaussianMixture g = new GaussianMixture(2, 2, new float[] {-4, 0, 4, 1}, 0.5);
        GaussianMixture.Sample s = g.sample(20_000, 3);
        double[] sum = new double[4];
        double[] sq = new double[2];
        int[] count = new int[2];
        for (int i = 0; i < 20_000; i++) {
            int c = s.component()[i];
            count[c]++;
            for (int j = 0; j < 2; j++) {
                double v = s.points().get(i, j);
                sum[c * 2 + j] += v;
                sq[c] += (v - g.centers()[c * 2 + j]) * (v - g.centers()[c * 2 + j]);
            }
        }
        for (int c = 0; c < 2; c++) {
            assertEquals(10_000, count[c], 300, "equal weights");
            for (int j = 0; j < 2; j++) {
                assertEquals(g.centers()[c * 2 + j], sum[c * 2 + j] / count[c], 0.02, "mean of component " + c);
            }
            assertEquals(0.25, sq[c] / (2.0 * count[c]), 0.01, "variance of component " + c);
        }
        assertArrayEquals(s.points().data(), g.sample(20_000, 3).points().data());
    }
}
