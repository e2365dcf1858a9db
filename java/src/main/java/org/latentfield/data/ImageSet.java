package org.latentfield.data;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Data items as float32, N x (item shape) in C order, with optional integer labels. An item is
 * an image C x H x W (values in [0, 1]), a flat vector of D values, or a tensor of any other
 * rank (a sequence T x D, a clip C x T x H x W).
 *
 * @param name   where it came from, e.g. "fashion-mnist:train"
 * @param count  N
 * @param shape  the shape of one item: {C, H, W} for images, {D} for vectors, any rank >= 1
 * @param pixels N x prod(shape) values
 * @param labels one label per item, or null
 */
public record ImageSet(String name, int count, int[] shape, float[] pixels, int[] labels) {
    public ImageSet {
        if (shape == null || shape.length == 0 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("an item shape needs at least one positive size, got " + Arrays.toString(shape));
        }
        shape = shape.clone();
        if ((long) count * size(shape) != pixels.length) {
            throw new IllegalArgumentException("expected " + count + " x " + describe(shape) + " values, got " + pixels.length);
        }
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(count + " images but " + labels.length + " labels");
        }
    }

    /** Images of C x H x W. */
    public ImageSet(String name, int count, int channels, int height, int width, float[] pixels, int[] labels) {
        this(name, count, new int[] {channels, height, width}, pixels, labels);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Whether the items are images (C x H x W) rather than flat vectors. */
    public boolean isImages() {
        return shape.length == 3;
    }

    /** Values per item: C x H x W, or D. */
    public int imageSize() {
        return size(shape);
    }

    /** C of C x H x W images (1 for other items). */
    public int channels() {
        return isImages() ? shape[0] : 1;
    }

    /** H of C x H x W images (1 for other items). */
    public int height() {
        return isImages() ? shape[1] : 1;
    }

    /** W of C x H x W images (the item size for other items, drawn as one row). */
    public int width() {
        return isImages() ? shape[2] : imageSize();
    }

    /** e.g. "3 x 32 x 32" or "784". */
    public String shapeString() {
        return describe(shape);
    }

    /** The same values seen with another item shape of the same size (a C-order view, no resampling). */
    public ImageSet reshaped(int[] itemShape) {
        if (size(itemShape) != imageSize()) {
            throw new IllegalArgumentException("cannot view items of " + shapeString() + " as " + describe(itemShape));
        }
        return new ImageSet(name, count, itemShape, pixels, labels);
    }

    /** The images at {@code rows}, in that order, as a new set named {@code name}. */
    public ImageSet select(int[] rows, String name) {
        int size = imageSize();
        float[] px = new float[rows.length * size];
        int[] lb = labels == null ? null : new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(pixels, rows[i] * size, px, i * size, size);
            if (lb != null) {
                lb[i] = labels[rows[i]];
            }
        }
        return new ImageSet(name, rows.length, shape, px, lb);
    }

    /** prod(shape). */
    public static int size(int[] shape) {
        long s = 1;
        for (int d : shape) {
            s *= d;
        }
        if (s > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("an item of " + describe(shape) + " values is too large");
        }
        return (int) s;
    }

    /** "3 x 32 x 32" for {3, 32, 32}. */
    public static String describe(int[] shape) {
        return Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(" x "));
    }
}
