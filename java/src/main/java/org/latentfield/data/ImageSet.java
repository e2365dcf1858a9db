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
}
