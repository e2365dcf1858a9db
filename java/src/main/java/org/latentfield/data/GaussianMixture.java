package org.latentfield.data;

import java.util.SplittableRandom;
import org.latentfield.LatentfieldException;

/**
 * An isotropic Gaussian mixture with known modes: component j has mean {@code centers[j]}
 * (row-major, m x dim), standard deviation {@code sigma} and weight 1/m. Seeded draws.
 */
public record GaussianMixture(int components, int dim, float[] centers, double sigma) {
    public GaussianMixture {
        if (components < 1 || dim < 1 || centers.length != components * dim) {
            throw new LatentfieldException("a Gaussian mixture needs " + components + " x " + dim + " center values, got " + centers.length + ".");
        }
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new LatentfieldException("the mixture's sigma must be finite and >= 0, got " + sigma + ".");
        }
    }

    /** A draw of n points and the component each came from. */
    public record Sample(Points points, int[] component) {}

    public Sample sample(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] data = new float[n * dim];
        int[] comp = new int[n];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(components);
            comp[i] = c;
            for (int j = 0; j < dim; j++) {
                data[i * dim + j] = (float) (centers[c * dim + j] + sigma * rng.nextGaussian());
            }
        }
        return new Sample(new Points(n, dim, data), comp);
    }
}
