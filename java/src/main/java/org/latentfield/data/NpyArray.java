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
        return Npy.product(shape);
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

    /** The values as float64; float32, float64, int32, uint8 and bool convert exactly. */
    public double[] toDoubles() {
        int n = Math.toIntExact(size());
        double[] out = new double[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            out[i] = switch (descr) {
                case "<f4" -> b.getFloat(4 * i);
                case "<f8" -> b.getDouble(8 * i);
                case "<i4" -> b.getInt(4 * i);
                case "|u1" -> b.get(i) & 0xff;
                case "|b1" -> b.get(i) != 0 ? 1 : 0;
                default -> throw new LatentfieldException(source + " holds dtype " + Npy.dtypeName(descr)
                        + "; expected float32, float64, int32, uint8 or bool.");
            };
        }
        return out;
    }

    /** The values as int32: int32, uint8 and bool (0/1); any other dtype is an error naming the file. */
    public int[] toInts() {
        int n = Math.toIntExact(size());
        int[] out = new int[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (descr) {
            case "<i4" -> b.asIntBuffer().get(out);
            case "|u1", "|b1" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = descr.equals("|b1") ? (b.get(i) != 0 ? 1 : 0) : b.get(i) & 0xff;
                }
            }
            default -> throw new LatentfieldException(source + " holds dtype " + Npy.dtypeName(descr) + "; expected int32, uint8 or bool.");
        }
        return out;
    }

    @Override
    public String toString() {
        return "NpyArray[" + descr + ", " + Arrays.toString(shape) + ", " + source + "]";
    }
}
