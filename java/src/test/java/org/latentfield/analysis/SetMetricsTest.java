package org.latentfield.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.kernels.Device;

/** Chamfer similarity, memorization coefficient and generalization entropy on known answers. */
class SetMetricsTest {
    @Test
    void chamferOfIdenticalSetsIsOne() {
        Points a = StartPoints.gaussian(40, 8, 1.0, 1);
        assertEquals(1.0, Chamfer.similarity(a, a, Device.CPU), 1e-6);
        Points b = StartPoints.gaussian(40, 8, 1.0, 2);
        double s = Chamfer.similarity(a, b, Device.CPU);
        assertTrue(s < 0.9 && s > 0, "independent random sets are not similar: " + s);
    }

    @Test
    void attractorsThatAreTrainingPointsAreFullyMemorized() {
        Points training = StartPoints.uniform(200, 50, 0, 1, 3);
        float[] picked = new float[5 * 50];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 50; j++) {
                picked[i * 50 + j] = 2 * training.get(7 * i, j); // scaled: cosine ignores scale
            }
        }
        Memorization.Coefficient c = Memorization.coefficient(new Points(5, 50, picked), training, Device.CPU);
        assertEquals(1.0, c.mean(), 1e-6);
        assertEquals(0.0, c.std(), 1e-3);
    }

    @Test
    void generalizationEntropyCountsDirectionsFor90Percent() {
        // rows spread along 4 orthogonal directions with variances 50, 30, 15, 5 (+ a constant offset):
        // 90% of 100 needs the first three (95)
        int n = 400, m = 10;
        Points noise = StartPoints.gaussian(n, 4, 1.0, 4);
        double[] sd = {Math.sqrt(50), Math.sqrt(30), Math.sqrt(15), Math.sqrt(5)};
        float[] x = new float[n * m];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < 4; d++) {
                x[i * m + 2 * d] = (float) (sd[d] * noise.get(i, d));
            }
            x[i * m + 9] = 3; // the mean is removed first
        }
        assertEquals(3, Memorization.generalizationEntropy(new Points(n, m, x), 0.9));
        assertEquals(4, Memorization.generalizationEntropy(new Points(n, m, x), 0.99));
        assertEquals(1, Memorization.generalizationEntropy(new Points(n, m, x), 0.4));
    }
}
