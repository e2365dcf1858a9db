package org.latentfield.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.latentfield.LatentfieldException;

/**
 * An array read from a NumPy .npy file: its dtype descriptor (e.g. "&lt;f4"), its shape and its
 * raw C-order little-endian data.
 */
public record NpyArray(String descr, long[] shape, ByteBuffer data, String source) {

    /** Number of elements: the product of the shape (1 for a scalar). */
    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** The shape as NumPy prints it, e.g. "(100, 16)". */
    public String shapeString() {
        return Npy.shapeString(shape);
    }

    /**
     * The values as float32, converting float64 (rounded to nearest); any other dtype is an
     * error naming the file.
     */
    public float[] toFloats() {
        int n = Math.toIntExact(size());
        float[] out = new float[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (descr) {
            case "<f4" -> b.asFloatBuffer().get(out);
            case "<f8" -> {
                var d = b.asDoubleBuffer();
                for (int i = 0; i < n; i++) {
                    out[i] = (float) d.get(i);
                }
            }
            default -> throw new LatentfieldException(source + " holds dtype " + Npy.dtypeName(descr)
                    + "; expected float32 or float64.");
        }
        return out;
    }

    @Override
    public String toString() {
        return "NpyArray[" + descr + ", " + Arrays.toString(shape) + ", " + source + "]";
    }
}
