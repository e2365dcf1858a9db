package org.latentfield.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.latentfield.LatentfieldException;

/**
 * The rows of a 2-D float32 or float64 .npy file of shape (N, dim), read in chunks by
 * positioned reads, so a file of any size is never held whole: memory is one chunk.
 */
public final class NpyRows implements AutoCloseable {
    private final FileChannel ch;
    private final Npy.Header header;
    private final String what;
    private final int dim;

    private NpyRows(FileChannel ch, Npy.Header header, String what, int dim) {
        this.ch = ch;
        this.header = header;
        this.what = what;
        this.dim = dim;
    }

    /**
     * Opens {@code path}, which must hold a (N, dim) float32 or float64 array with N &gt;= 1.
     *
     * @param role how the rows are named in messages, e.g. "starting points"
     * @throws LatentfieldException naming the file and its shape when it is not such an array
     */
    public static NpyRows open(Path path, int dim, String role) {
        String what = "NumPy file " + path;
        long size = InputFiles.regular(path, what);
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new LatentfieldException(what + " does not exist.");
        } catch (IOException e) {
            throw new LatentfieldException(what + " cannot be read: " + e.getMessage() + ".", e);
        }
        try {
            Npy.Header h = Npy.header(ch, size, what);
            if (h.shape().length != 2 || h.shape()[1] != dim) {
                throw new LatentfieldException(role + " " + path + " have shape " + Npy.shapeString(h.shape()) + "; expected (N, " + dim
                        + ") float32 for a model with latent dimension " + dim + ".");
            }
            if (h.shape()[0] == 0) {
                throw new LatentfieldException(role + " " + path + " hold no rows; expected (N, " + dim + ") with N >= 1.");
            }
            if (!h.descr().equals("<f4") && !h.descr().equals("<f8")) {
                throw new LatentfieldException(what + " holds dtype " + Npy.dtypeName(h.descr()) + "; expected float32 or float64.");
            }
            return new NpyRows(ch, h, what, dim);
        } catch (IOException e) {
            close(ch);
            throw new LatentfieldException(what + " cannot be read: " + e.getMessage() + ".", e);
        } catch (RuntimeException e) {
            close(ch);
            throw e;
        }
    }

    /** N, the number of rows. */
    public long rows() {
        return header.shape()[0];
    }

    public int dim() {
        return dim;
    }

    /**
     * Reads rows {@code first .. first + count - 1} into {@code dst} as float32 (float64 rounded
     * to nearest).
     *
     * @throws LatentfieldException naming the file and the row when a value is not finite or the
     *                              file changed under the reader
     */
    public void read(long first, int count, float[] dst) {
        int item = header.itemSize();
        int values = Math.multiplyExact(count, dim);
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values, item)).order(ByteOrder.LITTLE_ENDIAN);
        try {
            Npy.readFully(ch, b, header.dataOffset() + first * dim * item);
        } catch (IOException e) {
            throw new LatentfieldException(what + " cannot be read: " + e.getMessage() + ".", e);
        }
        if (b.hasRemaining()) {
            throw new LatentfieldException(what + " ended at row " + first + " while it was read; it changed under the run.");
        }
        b.flip();
        for (int i = 0; i < values; i++) {
            float v = item == 4 ? b.getFloat() : (float) b.getDouble();
            if (!Float.isFinite(v)) {
                throw new LatentfieldException("starting points " + what.substring("NumPy file ".length()) + " contain a non-finite value at row "
                        + (first + i / dim) + "; expected finite numbers.");
            }
            dst[i] = v;
        }
    }

    @Override
    public void close() {
        close(ch);
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // a read-only channel loses nothing on a failed close
        }
    }
}
