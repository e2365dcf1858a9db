package org.latentfield.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A .npy file written as its values are produced: the header (with the final shape, known in
 * advance) first, then the C-order data appended in pieces through a 1 MiB buffer, so that an
 * array larger than memory (or than one Java array) can be written. {@link #finish} checks that
 * exactly the promised number of values arrived; a file that was not finished is incomplete and
 * must not be published.
 *
 * <p>For resumable runs, {@link #reopen} continues a file after its first {@code values} values
 * (anything written after them, e.g. by a run killed mid-chunk, is cut off).
 */
public final class NpyWriter implements AutoCloseable {
    /** float32 */
    public static final String F32 = "<f4";
    /** float64 */
    public static final String F64 = "<f8";
    /** int32 */
    public static final String I32 = "<i4";
    /** bool, one byte per value */
    public static final String BOOL = "|b1";

    private static final int BUFFER = 1 << 20;

    private final Path path;
    private final FileChannel ch;
    private final int itemSize;
    private final long expected;
    private final ByteBuffer buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    private long written;

    private NpyWriter(Path path, FileChannel ch, String descr, long[] shape, long written) {
        this.path = path;
        this.ch = ch;
        this.itemSize = switch (descr) {
            case F32, I32 -> 4;
            case F64 -> 8;
            case BOOL -> 1;
            default -> throw new IllegalArgumentException("unsupported dtype " + descr);
        };
        this.expected = Npy.product(shape);
        this.written = written;
    }

    /** Creates (or truncates) {@code path} and writes the header of an array of {@code descr} and {@code shape}. */
    public static NpyWriter create(Path path, String descr, long... shape) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        try {
            ByteBuffer head = Npy.headerBytes(descr, shape);
            while (head.hasRemaining()) {
                ch.write(head);
            }
            return new NpyWriter(path, ch, descr, shape, 0);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Opens a file {@link #create}d with the same dtype and shape and continues it after its
     * first {@code values} values.
     *
     * @throws IOException when the file is shorter than that or its header differs
     */
    public static NpyWriter reopen(Path path, String descr, long values, long... shape) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer head = Npy.headerBytes(descr, shape);
            ByteBuffer found = ByteBuffer.allocate(head.remaining());
            Npy.readFully(ch, found, 0);
            NpyWriter w = new NpyWriter(path, ch, descr, shape, values);
            long end = head.remaining() + values * w.itemSize;
            if (!found.flip().equals(head) || ch.size() < end) {
                throw new IOException(path + " is not the partial array the checkpoint describes (" + descr + ", "
                        + Npy.shapeString(shape) + ", " + values + " values)");
            }
            ch.truncate(end);
            ch.position(end);
            return w;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Values written so far. */
    public long written() {
        return written;
    }

    /** Appends {@code len} float32 values from {@code v[off..]}. */
    public void floats(float[] v, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            room(4).putFloat(v[off + i]);
        }
        written += len;
    }

    /** Appends {@code len} float64 values from {@code v[off..]}. */
    public void doubles(double[] v, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            room(8).putDouble(v[off + i]);
        }
        written += len;
    }

    /** Appends {@code len} int32 values from {@code v[off..]}. */
    public void ints(int[] v, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            room(4).putInt(v[off + i]);
        }
        written += len;
    }

    /** Appends {@code len} bool values from {@code v[off..]}. */
    public void bools(boolean[] v, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            room(1).put((byte) (v[off + i] ? 1 : 0));
        }
        written += len;
    }

    private ByteBuffer room(int bytes) throws IOException {
        if (buf.remaining() < bytes) {
            flush();
        }
        return buf;
    }

    /** Hands the buffered values to the operating system (they survive a killed process). */
    public void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
    }

    /**
     * Flushes and checks that the array is complete.
     *
     * @throws IOException naming the file when fewer or more values than its shape holds were written
     */
    public void finish() throws IOException {
        flush();
        if (written != expected) {
            throw new IOException(path + " received " + written + " values for its " + expected);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            ch.close();
        }
    }
}
