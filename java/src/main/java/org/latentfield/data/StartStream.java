package org.latentfield.data;

import java.util.SplittableRandom;

/**
 * Starting points produced by index: start i (0 &lt;= i &lt; {@link #count()}) is the same
 * whichever chunk, partition or machine asks for it, so a run can be split any way and still
 * iterate the same starts, and a large run never holds them all.
 *
 * <p>Random starts are counter-based: start i draws its {@code dim} coordinates from its own
 * generator {@code SplittableRandom(h(seed, i))} with h(seed, i) = mix64(mix64(seed) + i phi),
 * mix64 Stafford's variant-13 finaliser and phi = 0x9E3779B97F4A7C15 (the golden-ratio odd
 * constant). h is a bijection of i for a given seed, so distinct starts seed distinct
 * generators, and each coordinate depends on (seed, i) alone.
 */
public interface StartStream extends AutoCloseable {
    /** Number of starts. */
    long count();

    /** Latent dimension k of each start. */
    int dim();

    /** Writes starts {@code first .. first + rows - 1} into {@code dst[0 .. rows * dim)}. */
    void fill(long first, int rows, float[] dst);

    /** Releases a file behind the starts (nothing for random ones). */
    @Override
    default void close() {}

    /** Starts {@code first .. first + rows - 1} as points. */
    default Points points(long first, int rows) {
        float[] z = new float[Math.multiplyExact(rows, dim())];
        fill(first, rows, z);
        return new Points(rows, dim(), z);
    }

    /** The generator of start {@code index} of a run seeded {@code seed} (see the class comment). */
    static SplittableRandom generator(long seed, long index) {
        return new SplittableRandom(mix64(mix64(seed) + index * 0x9E3779B97F4A7C15L));
    }

    /** Stafford's variant 13 of the MurmurHash3 64-bit finaliser, a bijection of the longs. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** n starts with every coordinate drawn from N(0, sigma^2): z_0 ~ N(0, sigma^2 I). */
    static StartStream noise(long n, int dim, double sigma, long seed) {
        return new Random(n, dim, seed, sigma, 0, true);
    }

    /** n starts with every coordinate drawn uniformly from [lo, hi). */
    static StartStream uniform(long n, int dim, double lo, double hi, long seed) {
        return new Random(n, dim, seed, hi - lo, lo, false);
    }

    /** The first {@code n} rows of a .npy file, read as they are asked for; the stream closes the file. */
    static StartStream rows(NpyRows file, long n) {
        if (n > file.rows()) {
            throw new IllegalArgumentException(n + " rows asked of a file of " + file.rows());
        }
        return new StartStream() {
            @Override
            public long count() {
                return n;
            }

            @Override
            public int dim() {
                return file.dim();
            }

            @Override
            public void fill(long first, int rows, float[] dst) {
                file.read(first, rows, dst);
            }

            @Override
            public void close() {
                file.close();
            }
        };
    }

    /** Starts held in memory (e.g. the latent codes of a data set). */
    static StartStream of(Points points) {
        return new StartStream() {
            @Override
            public long count() {
                return points.n();
            }

            @Override
            public int dim() {
                return points.dim();
            }

            @Override
            public void fill(long first, int rows, float[] dst) {
                System.arraycopy(points.data(), Math.toIntExact(first * points.dim()), dst, 0, rows * points.dim());
            }
        };
    }

    /** Noise or uniform starts: scale * N(0, 1) + shift, or shift + scale * U[0, 1). */
    record Random(long count, int dim, long seed, double scale, double shift, boolean gaussian) implements StartStream {
        @Override
        public void fill(long first, int rows, float[] dst) {
            for (int r = 0; r < rows; r++) {
                SplittableRandom g = StartStream.generator(seed, first + r);
                int at = r * dim;
                for (int j = 0; j < dim; j++) {
                    dst[at + j] = (float) (gaussian ? scale * g.nextGaussian() : shift + scale * g.nextDouble());
                }
            }
        }
    }
}
