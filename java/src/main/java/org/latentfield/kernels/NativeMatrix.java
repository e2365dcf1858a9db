package org.latentfield.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A dense row-major float32 matrix in native (off-heap) memory with a fixed capacity of rows,
 * the buffer the fixed-point loop hands to latent maps and kernels without copies through the
 * Java heap. Closing it frees the memory; closing twice is harmless.
 */
public final class NativeMatrix implements AutoCloseable {
    private final int capacity;
    private final int cols;
    private final FloatPointer data;

    /** Allocates room for {@code capacity} rows of {@code cols} floats (contents undefined). */
    public NativeMatrix(int capacity, int cols) {
        if (capacity < 1 || cols < 1) {
            throw new IllegalArgumentException("a native matrix needs capacity >= 1 and cols >= 1, got " + capacity + " x " + cols);
        }
        this.capacity = capacity;
        this.cols = cols;
        this.data = new FloatPointer((long) capacity * cols);
        if (data.isNull()) {
            throw new OutOfMemoryError("cannot allocate a native matrix of " + capacity + " x " + cols + " floats");
        }
    }

    public int capacity() {
        return capacity;
    }

    public int cols() {
        return cols;
    }

    /** The native memory, for the map sources and kernels that read or write it in place. */
    public FloatPointer data() {
        return data;
    }

    /** Copies {@code count} rows from {@code src} (row-major, {@code cols} wide) starting at row {@code srcRow} into rows {@code dstRow}... */
    public void putRows(float[] src, int srcRow, int dstRow, int count) {
        checkRange(dstRow, count);
        data.position((long) dstRow * cols).put(src, srcRow * cols, count * cols).position(0);
    }

    /** Copies rows {@code srcRow .. srcRow + count} into {@code dst} starting at row {@code dstRow}. */
    public void getRows(int srcRow, float[] dst, int dstRow, int count) {
        checkRange(srcRow, count);
        data.position((long) srcRow * cols).get(dst, dstRow * cols, count * cols).position(0);
    }

    /** Copies {@code count} rows starting at {@code srcRow} into {@code dst} at {@code dstRow}, native to native. */
    public void copyRowsTo(int srcRow, NativeMatrix dst, int dstRow, int count) {
        if (dst.cols != cols) {
            throw new IllegalArgumentException("cannot copy rows of width " + cols + " into rows of width " + dst.cols);
        }
        checkRange(srcRow, count);
        dst.checkRange(dstRow, count);
        Pointer.memcpy(dst.data.getPointer((long) dstRow * cols), data.getPointer((long) srcRow * cols), (long) count * cols * Float.BYTES);
    }

    /** Sets {@code count} rows starting at {@code row} to zero. */
    public void zeroRows(int row, int count) {
        checkRange(row, count);
        Pointer.memset(data.getPointer((long) row * cols), 0, (long) count * cols * Float.BYTES);
    }

    private void checkRange(int row, int count) {
        if (row < 0 || count < 0 || row + count > capacity) {
            throw new IndexOutOfBoundsException("rows " + row + ".." + (row + count) + " outside a capacity of " + capacity);
        }
    }

    @Override
    public void close() {
        data.close();
    }
}
