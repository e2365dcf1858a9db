package org.latentfield.data;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.latentfield.LatentfieldException;

/**
 * Starting points z_0 for the latent dynamics: Gaussian noise, uniform noise in a box, or rows
 * of a .npy file. Random draws are reproducible from the seed alone.
 */
public final class StartPoints {
    private StartPoints() {}

    /** n points with every coordinate drawn from N(0, sigma^2), i.e. z_0 ~ N(0, sigma^2 I). */
    public static Points gaussian(int n, int dim, double sigma, long seed) {
        checkCount(n, dim);
        checkNoiseScale(sigma);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] data = new float[n * dim];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (sigma * rng.nextGaussian());
        }
        return new Points(n, dim, data);
    }

    /** Rejects a noise scale that is not positive and finite (callers check it before loading a model). */
    public static void checkNoiseScale(double sigma) {
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new LatentfieldException("--noise-scale must be a positive finite number, got " + sigma + ".");
        }
    }

    /** n points with every coordinate drawn uniformly from [lo, hi). */
    public static Points uniform(int n, int dim, double lo, double hi, long seed) {
        checkCount(n, dim);
        if (!(lo < hi) || Double.isInfinite(lo) || Double.isInfinite(hi)) {
            throw new LatentfieldException("--from uniform:LO:HI needs finite LO < HI, got " + lo + ":" + hi + ".");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        float[] data = new float[n * dim];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return new Points(n, dim, data);
    }

    /**
     * The rows of a 2-D float32/float64 .npy file of shape (N, dim); with {@code samples} > 0
     * only the first {@code samples} rows.
     */
    public static Points fromNpy(Path path, int dim, int samples) {
        NpyArray a = Npy.read(path);
        if (a.shape().length != 2 || a.shape()[1] != dim) {
            throw new LatentfieldException("starting points " + path + " have shape " + a.shapeString() + "; expected (N, " + dim
                    + ") float32 for a model with latent dimension " + dim + ".");
        }
        if (a.shape()[0] == 0) {
            throw new LatentfieldException("starting points " + path + " hold no rows; expected (N, " + dim + ") with N >= 1.");
        }
        if (a.size() > Integer.MAX_VALUE - 8) {
            throw new LatentfieldException("starting points " + path + " hold " + a.size() + " values, more than one run takes; split the file.");
        }
        float[] all = a.toFloats();
        int rows = (int) a.shape()[0];
        if (samples > rows) {
            throw new LatentfieldException("--samples " + samples + " asks for more starting points than the " + rows + " rows of " + path + ".");
        }
        int n = samples > 0 ? samples : rows;
        for (int i = 0; i < n * dim; i++) {
            if (!Float.isFinite(all[i])) {
                throw new LatentfieldException("starting points " + path + " contain a non-finite value at row " + (i / dim) + "; expected finite numbers.");
            }
        }
        return new Points(n, dim, n == rows ? all : java.util.Arrays.copyOf(all, n * dim));
    }

    private static void checkCount(int n, int dim) {
        if (n < 1) {
            throw new LatentfieldException("--samples must be a positive integer, got " + n + ".");
        }
        if ((long) n * dim > Integer.MAX_VALUE - 8) {
            throw new LatentfieldException("--samples " + n + " x latent dimension " + dim + " is more than one run holds; lower --samples.");
        }
    }
}
