package org.latentfield.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.latentfield.LatentfieldException;

/**
 * One PNG or JPEG file decoded by {@code javax.imageio.ImageIO}, read row by row as floats in
 * [0, 1] so that a large photograph never needs a float copy of itself.
 *
 * <p>Values: a greyscale image gives its stored sample divided by the largest sample value
 * (255, or 65535 for 16-bit PNG), with no gamma or colour-space conversion; a colour image
 * gives its sRGB components as {@link BufferedImage#getRGB} returns them (8 bits, converted to
 * sRGB when the file carries another colour profile; palette images are expanded), divided by
 * 255. <b>Alpha</b> (ours): an alpha channel whose every pixel is fully opaque carries no
 * information and is dropped; an image with any pixel that is not fully opaque is refused,
 * because compositing it onto a background is a choice (black? white?) the user must make.
 * <b>Channels</b>: {@code channels} is 1 or 3 and must match the file (grey or colour); a
 * mismatch is refused rather than silently converted.
 */
public final class ImageFile {
    private final Path file;
    private final BufferedImage image;
    private final boolean grey;
    private final float greyScale;

    private ImageFile(Path file, BufferedImage image) {
        this.file = file;
        this.image = image;
        ColorModel cm = image.getColorModel();
        this.grey = !(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        this.greyScale = grey ? (float) ((1L << cm.getComponentSize(0)) - 1) : 255f;
    }

    /** Decodes {@code file}; a file ImageIO cannot decode is refused in one sentence naming it. */
    public static ImageFile read(Path file) {
        InputFiles.regular(file, "image file " + file);
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new LatentfieldException("image file " + file + " cannot be decoded (" + e.getMessage() + "); expected a PNG or JPEG.", e);
        }
        if (image == null) {
            throw new LatentfieldException("file " + file + " is not an image ImageIO can read; expected a PNG or JPEG.");
        }
        ImageFile f = new ImageFile(file, image);
        f.checkOpaque();
        return f;
    }

    /** Decodes {@code file} and checks it has {@code channels} (1: grey, 3: colour). */
    public static ImageFile read(Path file, int channels) {
        if (channels != 1 && channels != 3) {
            throw new LatentfieldException("images are read with 1 (grey) or 3 (RGB) channels, not " + channels + ".");
        }
        ImageFile f = read(file);
        if (f.channels() != channels) {
            throw new LatentfieldException("image " + file + " is " + (f.grey ? "greyscale" : "colour") + " but " + channels
                    + " channel" + (channels == 1 ? " was" : "s were") + " requested; convert it first (latentfield does not replicate or mix channels).");
        }
        return f;
    }

    public Path file() {
        return file;
    }

    /** 1 for greyscale files, 3 for colour ones. */
    public int channels() {
        return grey ? 1 : 3;
    }

    public int height() {
        return image.getHeight();
    }

    public int width() {
        return image.getWidth();
    }

    /** "W x H" as image tools print it, e.g. "640 x 480". */
    public String sizeString() {
        return width() + " x " + height();
    }

    /**
     * Row {@code y} into {@code out[c][x]} for c < channels(), x < width(), values in [0, 1].
     * {@code scratch} is an int array of at least width() entries (reused across rows).
     */
    public void row(int y, float[][] out, int[] scratch) {
        int w = width();
        if (grey) {
            image.getRaster().getSamples(0, y, w, 1, 0, out[0]);
            for (int x = 0; x < w; x++) {
                out[0][x] /= greyScale;
            }
            return;
        }
        image.getRGB(0, y, w, 1, scratch, 0, w);
        for (int x = 0; x < w; x++) {
            int argb = scratch[x];
            out[0][x] = ((argb >> 16) & 0xff) / 255f;
            out[1][x] = ((argb >> 8) & 0xff) / 255f;
            out[2][x] = (argb & 0xff) / 255f;
        }
    }

    /** The whole image, C x H x W in C order. */
    public float[] pixels() {
        int c = channels(), h = height(), w = width();
        float[] px = new float[c * h * w];
        float[][] row = new float[c][w];
        int[] scratch = new int[w];
        for (int y = 0; y < h; y++) {
            row(y, row, scratch);
            for (int ch = 0; ch < c; ch++) {
                System.arraycopy(row[ch], 0, px, (ch * h + y) * w, w);
            }
        }
        return px;
    }

    private void checkOpaque() {
        ColorModel cm = image.getColorModel();
        if (!cm.hasAlpha()) {
            return;
        }
        int w = width(), h = height();
        Raster alpha = image.getAlphaRaster();
        int[] values = new int[w];
        for (int y = 0; y < h; y++) {
            int max;
            if (alpha != null) {
                alpha.getSamples(0, y, w, 1, 0, values);
                max = (1 << cm.getComponentSize(cm.getNumComponents() - 1)) - 1;
            } else {
                image.getRGB(0, y, w, 1, values, 0, w);
                for (int x = 0; x < w; x++) {
                    values[x] >>>= 24;
                }
                max = 255;
            }
            for (int x = 0; x < w; x++) {
                if (values[x] != max) {
                    throw new LatentfieldException("image " + file + " has a transparent pixel at (x " + x + ", y " + y
                            + "); latentfield refuses non-opaque alpha (composite it onto a background first).");
                }
            }
        }
    }
}
