package org.latentfield.data;

/**
 * Images as float32 in [0, 1], N x C x H x W in C order, with optional integer labels.
 *
 * @param name   where it came from, e.g. "fashion-mnist:train"
 * @param labels one label per image, or null
 */
public record ImageSet(String name, int count, int channels, int height, int width, float[] pixels, int[] labels) {
    public ImageSet {
        if ((long) count * channels * height * width != pixels.length) {
            throw new IllegalArgumentException("expected " + count + " x " + channels + " x " + height + " x " + width + " pixels, got "
                    + pixels.length);
        }
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(count + " images but " + labels.length + " labels");
        }
    }

    /** Values per image: C x H x W. */
    public int imageSize() {
        return channels * height * width;
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
        return new ImageSet(name, rows.length, channels, height, width, px, lb);
    }
}
