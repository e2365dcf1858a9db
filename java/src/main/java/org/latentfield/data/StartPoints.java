package org.latentfield.data;

import java.nio.file.Path;
import org.latentfield.LatentfieldException;

/**
 * Starting points z_0 for the latent dynamics: Gaussian noise, uniform noise in a box, or rows
 * of a .npy file. Random draws are reproducible from the seed alone.
 */
public final class StartPoints {
    private StartPoints() {}

    /** n points with every coordinate drawn from N(0, sigma^2), i.e. z_0 ~ N(0, sigma^2 I); start i as {@link StartStream#noise} draws it. */
    public static Points gaussian(int n, int dim, double sigma, long seed) {
        checkCount(n, dim);
        checkNoiseScale(sigma);
        return StartStream.noise(n, dim, sigma, seed).points(0, n);
    }

    /** Rejects a noise scale that is not positive and finite (callers check it before loading a model). */
    public static void checkNoiseScale(double sigma) {
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new LatentfieldException("--noise-scale must be a positive finite number, got " + sigma + ".");
        }
    }

    /** n points with every coordinate drawn uniformly from [lo, hi); start i as {@link StartStream#uniform} draws it. */
    public static Points uniform(int n, int dim, double lo, double hi, long seed) {
        checkCount(n, dim);
        checkBox(lo, hi);
        return StartStream.uniform(n, dim, lo, hi, seed).points(0, n);
    }

    /** Rejects a box that is empty or not finite. */
    public static void checkBox(double lo, double hi) {
        if (!(lo < hi) || Double.isInfinite(lo) || Double.isInfinite(hi)) {
            throw new LatentfieldException("--from uniform:LO:HI needs finite LO < HI, got " + lo + ":" + hi + ".");
        }
    }

    /**
     * The rows of a 2-D float32/float64 .npy file of shape (N, dim); with {@code samples} > 0
     * only the first {@code samples} rows.
     */
    public static Points fromNpy(Path path, int dim, int samples) {
        try (NpyRows rows = NpyRows.open(path, dim, "starting points")) {
            long n = count(rows, samples, path);
            if (n * dim > Integer.MAX_VALUE - 8) {
                throw new LatentfieldException("starting points " + path + " hold " + n * dim + " values, more than one array takes; split the file.");
            }
            return StartStream.rows(rows, n).points(0, (int) n);
        }
    }

    /** The number of starts taken from a file: its rows, or the first {@code samples} (&gt; 0) of them. */
    public static long count(NpyRows rows, long samples, Path path) {
        if (samples > rows.rows()) {
            throw new LatentfieldException("--samples " + samples + " asks for more starting points than the " + rows.rows() + " rows of " + path + ".");
        }
        return samples > 0 ? samples : rows.rows();
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
