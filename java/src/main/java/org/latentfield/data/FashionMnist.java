package org.latentfield.data;

import java.nio.file.Files;
import java.nio.file.Path;
import org.latentfield.LatentfieldException;

/**
 * Fashion-MNIST (Xiao et al. 2017) from the IDX files of the Debian package
 * dataset-fashion-mnist: 60,000 training and 10,000 test images, 1 x 28 x 28, 10 classes.
 */
public final class FashionMnist {
    /** Where the Debian package installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private FashionMnist() {}

    /** Loads a split ("train" or "test") from {@code dir}, pixels scaled to [0, 1]. */
    public static ImageSet load(Path dir, String split) {
        String prefix = switch (split) {
            case "train" -> "train";
            case "test" -> "t10k";
            default -> throw new LatentfieldException("fashion-mnist has splits train and test, not '" + split + "'.");
        };
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        Idx.UByteArray im = Idx.readUBytes(images);
        Idx.UByteArray lb = Idx.readUBytes(labels);
        if (im.shape().length != 3 || im.shape()[1] != 28 || im.shape()[2] != 28) {
            throw new LatentfieldException("IDX file " + images + " holds arrays of another shape than N x 28 x 28.");
        }
        if (lb.shape().length != 1 || lb.count() != im.count()) {
            throw new LatentfieldException("IDX file " + labels + " holds " + lb.count() + " labels for " + im.count() + " images.");
        }
        float[] pixels = new float[im.data().length];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (im.data()[i] & 0xff) / 255f;
        }
        int[] classes = new int[lb.count()];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = lb.data()[i] & 0xff;
        }
        return new ImageSet("fashion-mnist:" + split, im.count(), 1, 28, 28, pixels, classes);
    }

    private static Path find(Path dir, String base) {
        for (String name : new String[] {base + ".gz", base}) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        throw new LatentfieldException("Fashion-MNIST file " + base + "(.gz) is missing from " + dir
                + "; install it with: apt-get install dataset-fashion-mnist (or point the environment variable " + Datasets.FASHION_ENV
                + " at a copy; train also takes --data-dir).");
    }
}
