package org.latentfield.map.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.latentfield.data.ImageSet;

class PcaBaselineTest {
    /** Images on a 3-dimensional affine subspace plus small noise: PCA-3 leaves the noise, PCA-1 much more. */
    @Test
    void recoversALowDimensionalSubspace() {
        SplittableRandom rng = new SplittableRandom(5);
        int d = 16 * 16;
        float[][] basis = new float[3][d];
        for (float[] b : basis) {
            for (int j = 0; j < d; j++) {
                b[j] = (float) rng.nextGaussian();
            }
        }
        double noise = 0.01;
        ImageSet train = sample(rng, basis, 400, noise, "train");
        ImageSet test = sample(rng, basis, 100, noise, "test");
        double three = PcaBaseline.testMse(train, test, 3);
        double one = PcaBaseline.testMse(train, test, 1);
        assertEquals(noise * noise, three, noise * noise * 0.2, "PCA-3 leaves only the noise variance");
        assertTrue(one > 100 * three, "PCA-1 misses two directions: " + one + " vs " + three);
    }

    private static ImageSet sample(SplittableRandom rng, float[][] basis, int n, double noise, String name) {
        int d = basis[0].length;
        float[] px = new float[n * d];
        for (int i = 0; i < n; i++) {
            double[] c = {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
            for (int j = 0; j < d; j++) {
                px[i * d + j] = (float) (0.5 + c[0] * basis[0][j] + c[1] * basis[1][j] + c[2] * basis[2][j] + noise * rng.nextGaussian());
            }
        }
        return new ImageSet(name, n, 1, 16, 16, px, null);
    }
}
