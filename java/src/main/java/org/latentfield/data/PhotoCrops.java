package org.latentfield.data;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.latentfield.LatentfieldException;

/**
 * Small colour images cut from photographs by a seeded, deterministic recipe:
 * <ol>
 *   <li>each photograph is decoded as RGB in [0, 1] ({@link ImageFile});</li>
 *   <li>for every short side s in {@code shortSides} it is shrunk by exact area averaging
 *       ({@link AreaResampler}) so that its shorter side is s and its longer side
 *       round(L s / S) (aspect ratio kept);</li>
 *   <li>from each shrunk copy, {@code cropsPerScale} crops of {@code size} x {@code size} are cut at
 *       top-left corners drawn uniformly from all positions, each mirrored left-right with
 *       probability 1/2.</li>
 * </ol>
 * The random stream of a photograph is {@code new SplittableRandom(seed * 31 + key.hashCode())},
 * {@code key} its name in the set (String.hashCode is fixed by the Java specification), so a
 * photograph's crops do not depend on which other photographs are in the set. Crops come photo by
 * photo, scale by scale, in draw order; an item's label is the index of its photograph.
 *
 * @param size          side of the square crops
 * @param shortSides    the short sides of the shrunk copies, each >= size
 * @param cropsPerScale crops cut from each shrunk copy
 * @param seed          seeds the corners and mirrors
 */
public record PhotoCrops(int size, int[] shortSides, int cropsPerScale, long seed) {
    public PhotoCrops {
        if (size < 1 || cropsPerScale < 1 || shortSides.length == 0) {
            throw new IllegalArgumentException("crops need a positive size, count and at least one scale");
        }
        for (int s : shortSides) {
            if (s < size) {
                throw new IllegalArgumentException("short side " + s + " is smaller than the crop size " + size);
            }
        }
        shortSides = shortSides.clone();
    }

    @Override
    public int[] shortSides() {
        return shortSides.clone();
    }

    /** Crops per photograph. */
    public int perPhoto() {
        return shortSides.length * cropsPerScale;
    }

    /** The crops of {@code photos} (keys name them for the seed), as a 3 x size x size set called {@code name}. */
    public ImageSet cut(List<Path> photos, List<String> keys, String name) {
        int item = 3 * size * size;
        float[] pixels = new float[photos.size() * perPhoto() * item];
        int[] labels = new int[photos.size() * perPhoto()];
        int at = 0;
        for (int p = 0; p < photos.size(); p++) {
            ImageFile photo = ImageFile.read(photos.get(p), 3);
            float[][] scaled = shrink(photo);
            SplittableRandom random = new SplittableRandom(seed * 31 + keys.get(p).hashCode());
            for (int s = 0; s < shortSides.length; s++) {
                int[] hw = shrunkSize(photo.height(), photo.width(), shortSides[s]);
                for (int n = 0; n < cropsPerScale; n++, at++) {
                    int top = random.nextInt(hw[0] - size + 1);
                    int left = random.nextInt(hw[1] - size + 1);
                    boolean mirror = random.nextBoolean();
                    copyCrop(scaled[s], hw[0], hw[1], top, left, mirror, pixels, at * item);
                    labels[at] = p;
                }
            }
        }
        return new ImageSet(name, labels.length, 3, size, size, pixels, labels);
    }

    /** {height, width} of a height x width photograph shrunk to short side s. */
    static int[] shrunkSize(int height, int width, int s) {
        return height <= width ? new int[] {s, (int) Math.round((double) width * s / height)}
                : new int[] {(int) Math.round((double) height * s / width), s};
    }

    /** Every scale of one photograph in a single pass over its rows. */
    private float[][] shrink(ImageFile photo) {
        int h = photo.height(), w = photo.width();
        if (Math.min(h, w) < max(shortSides)) {
            throw new LatentfieldException("photograph " + photo.file() + " is " + photo.sizeString() + ", smaller than the largest scale "
                    + max(shortSides) + " of the crop recipe.");
        }
        AreaResampler[] resamplers = new AreaResampler[shortSides.length];
        for (int s = 0; s < shortSides.length; s++) {
            int[] hw = shrunkSize(h, w, shortSides[s]);
            resamplers[s] = new AreaResampler(3, h, w, hw[0], hw[1]);
        }
        float[][] row = new float[3][w];
        int[] scratch = new int[w];
        for (int y = 0; y < h; y++) {
            photo.row(y, row, scratch);
            for (AreaResampler r : resamplers) {
                r.accept(y, row);
            }
        }
        float[][] out = new float[shortSides.length][];
        for (int s = 0; s < shortSides.length; s++) {
            out[s] = resamplers[s].result();
        }
        return out;
    }

    private void copyCrop(float[] image, int h, int w, int top, int left, boolean mirror, float[] dst, int offset) {
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < size; y++) {
                int src = (c * h + top + y) * w + left;
                int d = offset + (c * size + y) * size;
                for (int x = 0; x < size; x++) {
                    dst[d + x] = image[src + (mirror ? size - 1 - x : x)];
                }
            }
        }
    }

    private static int max(int[] values) {
        int m = values[0];
        for (int v : values) {
            m = Math.max(m, v);
        }
        return m;
    }
}
