package org.latentfield.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AreaResamplerTest {
    /** Streams a C x H x W image through a resampler. */
    static float[] shrink(float[] image, int c, int h, int w, int oh, int ow) {
        AreaResampler r = new AreaResampler(c, h, w, oh, ow);
        float[][] row = new float[c][w];
        for (int y = 0; y < h; y++) {
            for (int ch = 0; ch < c; ch++) {
                System.arraycopy(image, (ch * h + y) * w, row[ch], 0, w);
            }
            r.accept(y, row);
        }
        return r.result();
    }

    /** The definition, by brute force: the mean of the piecewise-constant source over each output footprint. */
    static double reference(float[] image, int ch, int h, int w, int oh, int ow, int oy, int ox) {
        double sy = (double) h / oh, sx = (double) w / ow, sum = 0;
        for (int y = 0; y < h; y++) {
            double ovy = Math.max(0, Math.min(y + 1, (oy + 1) * sy) - Math.max(y, oy * sy));
            for (int x = 0; x < w; x++) {
                double ovx = Math.max(0, Math.min(x + 1, (ox + 1) * sx) - Math.max(x, ox * sx));
                sum += ovy * ovx * image[(ch * h + y) * w + x];
            }
        }
        return sum / (sy * sx);
    }

    @Test
    void integerFactorsAreBlockMeans() {
        float[] image = new float[4 * 6];
        for (int i = 0; i < image.length; i++) {
            image[i] = i;
        }
        float[] out = shrink(image, 1, 4, 6, 2, 3);
        // block (rows 0-1, cols 0-1) = {0, 1, 6, 7}
        assertEquals(3.5f, out[0], 1e-6f);
        assertEquals((16 + 17 + 22 + 23) / 4f, out[5], 1e-6f);
    }

    @Test
    void fractionalFactorsMatchTheAreaIntegral() {
        SplittableRandom random = new SplittableRandom(42);
        int c = 3, h = 37, w = 53, oh = 10, ow = 17;
        float[] image = new float[c * h * w];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) random.nextDouble();
        }
        float[] out = shrink(image, c, h, w, oh, ow);
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    assertEquals(reference(image, ch, h, w, oh, ow, y, x), out[(ch * oh + y) * ow + x], 1e-5, "seed 42, pixel " + ch + "," + y + "," + x);
                }
            }
        }
    }

    @Test
    void constantsStayConstantAndTheSameSizeIsTheIdentity() {
        float[] flat = new float[29 * 31];
        java.util.Arrays.fill(flat, 0.3f);
        for (float v : shrink(flat, 1, 29, 31, 7, 5)) {
            assertEquals(0.3f, v, 1e-6f);
        }
        float[] ramp = new float[5 * 4];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = i / 20f;
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(ramp, shrink(ramp, 1, 5, 4, 5, 4), 1e-7f);
    }

    @Test
    void refusesUpscalingAndRowsOutOfOrder() {
        assertThrows(IllegalArgumentException.class, () -> new AreaResampler(1, 4, 4, 5, 4));
        AreaResampler r = new AreaResampler(1, 4, 4, 2, 2);
        assertThrows(IllegalStateException.class, () -> r.accept(1, new float[1][4]));
    }
}
