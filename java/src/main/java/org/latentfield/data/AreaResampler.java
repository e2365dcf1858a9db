package org.latentfield.data;

/**
 * Downscaling by exact area averaging (a box filter over each output pixel's footprint, what
 * PIL's {@code resize(..., Image.BOX)} and OpenCV's {@code INTER_AREA} compute when shrinking).
 * Along an axis of S source pixels shrunk to T <= S, output pixel j covers the source interval
 * [j S/T, (j+1) S/T] and is the mean of the source over it: source pixel i contributes with
 * weight |[i, i+1] ∩ [j S/T, (j+1) S/T]| / (S/T). Weights are computed in exact integer
 * arithmetic (in units of 1/T) and the two axes are applied separably; since S/T >= 1 every source
 * pixel touches at most two output pixels per axis. Source rows are streamed in order with
 * {@link #accept}, so the source never has to be held as floats.
 */
final class AreaResampler {
    private final int channels, srcH, srcW, outH, outW;
    private final Axis rows, cols;
    private final double[] sum;
    private final double[][] line;
    private int next;

    /** Per source index: the first output index it touches and its weights on that one and the next. */
    private record Axis(int[] first, double[] w0, double[] w1) {
        static Axis of(int src, int out) {
            int[] first = new int[src];
            double[] w0 = new double[src], w1 = new double[src];
            for (int i = 0; i < src; i++) {
                long lo = (long) i * out, hi = (long) (i + 1) * out; // source pixel i in units of 1/out
                int j = (int) (lo / src);
                long boundary = (long) (j + 1) * src;                // end of output j's footprint
                first[i] = j;
                if (boundary < hi) {
                    w0[i] = (double) (boundary - lo) / src;
                    w1[i] = (double) (hi - boundary) / src;
                } else {
                    w0[i] = (double) out / src;
                }
            }
            return new Axis(first, w0, w1);
        }
    }

    AreaResampler(int channels, int srcH, int srcW, int outH, int outW) {
        if (outH < 1 || outW < 1 || outH > srcH || outW > srcW) {
            throw new IllegalArgumentException("area averaging shrinks: " + srcH + " x " + srcW + " cannot become " + outH + " x " + outW);
        }
        this.channels = channels;
        this.srcH = srcH;
        this.srcW = srcW;
        this.outH = outH;
        this.outW = outW;
        this.rows = Axis.of(srcH, outH);
        this.cols = Axis.of(srcW, outW);
        this.sum = new double[channels * outH * outW];
        this.line = new double[channels][outW];
    }

    /** Source row {@code y} (rows must come in order 0, 1, ...), as {@code row[c][x]}. */
    void accept(int y, float[][] row) {
        if (y != next++) {
            throw new IllegalStateException("rows must be streamed in order: expected " + (next - 1) + ", got " + y);
        }
        int j = rows.first[y];
        for (int c = 0; c < channels; c++) {
            double[] h = line[c];
            java.util.Arrays.fill(h, 0);
            float[] r = row[c];
            for (int x = 0; x < srcW; x++) {
                int k = cols.first[x];
                h[k] += cols.w0[x] * r[x];
                if (cols.w1[x] != 0) {
                    h[k + 1] += cols.w1[x] * r[x];
                }
            }
            add(c, j, rows.w0[y], h);
            if (rows.w1[y] != 0) {
                add(c, j + 1, rows.w1[y], h);
            }
        }
    }

    private void add(int c, int outRow, double weight, double[] h) {
        int base = (c * outH + outRow) * outW;
        for (int x = 0; x < outW; x++) {
            sum[base + x] += weight * h[x];
        }
    }

    /** The downscaled image, C x outH x outW in C order, once every source row has been accepted. */
    float[] result() {
        if (next != srcH) {
            throw new IllegalStateException(next + " of " + srcH + " source rows accepted");
        }
        float[] out = new float[sum.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) sum[i];
        }
        return out;
    }
}
