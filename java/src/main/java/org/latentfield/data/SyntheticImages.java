package org.latentfield.data;

import java.util.SplittableRandom;

/**
 * Seeded synthetic image sets with known structure, for tests and demos.
 */
public final class SyntheticImages {
    private SyntheticImages() {}

    /**
     * n 1 x 28 x 28 images, each a Gaussian bump exp(-||p - c||^2 / (2 s^2)) centred at one of
     * the four points (7 or 21, 7 or 21) with width s uniform in [2.5, 3.5): a set with 4 modes
     * and one continuous factor, which a k >= 3 autoencoder can describe. The label is the mode.
     */
    public static ImageSet blobs(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] px = new float[n * 28 * 28];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int mode = rng.nextInt(4);
            int cy = 7 + 14 * (mode / 2);
            int cx = 7 + 14 * (mode % 2);
            double s = 2.5 + rng.nextDouble();
            labels[i] = mode;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    px[i * 784 + y * 28 + x] = (float) Math.exp(-((y - cy) * (y - cy) + (x - cx) * (x - cx)) / (2 * s * s));
                }
            }
        }
        return new ImageSet("blobs", n, 1, 28, 28, px, labels);
    }

    /** n 1 x 28 x 28 images of i.i.d. pixels N(0.5, 0.25^2) clipped to [0, 1]: an OOD set. */
    public static ImageSet gaussianNoise(int n, long seed) {
        return gaussianNoise(n, seed, new int[] {1, 28, 28});
    }

    /** n items of {@code shape} (C x H x W or D) of i.i.d. values N(0.5, 0.25^2) clipped to [0, 1]. */
    public static ImageSet gaussianNoise(int n, long seed, int[] shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] px = new float[checkedSize(n, shape)];
        for (int i = 0; i < px.length; i++) {
            double u = rng.nextDouble(), w = rng.nextDouble();
            double g = Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
            px[i] = (float) Math.min(1, Math.max(0, 0.5 + 0.25 * g));
        }
        return new ImageSet("gaussian-noise", n, shape, px, null);
    }

    /** n 1 x 28 x 28 images of i.i.d. pixels uniform in [0, 1): an OOD set. */
    public static ImageSet uniformNoise(int n, long seed) {
        return uniformNoise(n, seed, new int[] {1, 28, 28});
    }

    /** n items of {@code shape} (C x H x W or D) of i.i.d. values uniform in [0, 1). */
    public static ImageSet uniformNoise(int n, long seed, int[] shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] px = new float[checkedSize(n, shape)];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) rng.nextDouble();
        }
        return new ImageSet("uniform-noise", n, shape, px, null);
    }

    private static int checkedSize(int n, int[] shape) {
        long size = (long) n * ImageSet.size(shape);
        if (size > Integer.MAX_VALUE - 8) {
            throw new org.latentfield.LatentfieldException(n + " noise items of " + ImageSet.describe(shape)
                    + " values are more than one set holds; ask for fewer (NAME:N).");
        }
        return (int) size;
    }
}
