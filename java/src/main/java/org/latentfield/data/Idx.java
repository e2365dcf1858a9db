package org.latentfield.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.latentfield.LatentfieldException;

/**
 * IDX files, the format of MNIST and Fashion-MNIST (raw or gzipped, detected from the content).
 * Layout: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, each
 * dimension as a big-endian int32, then the data in C order.
 */
public final class Idx {
    private Idx() {}

    /** An unsigned-byte IDX array: its shape and values 0..255 as bytes. */
    public record UByteArray(int[] shape, byte[] data) {
        public int count() {
            return shape[0];
        }

        /** Elements per item: the product of the dimensions after the first. */
        public int itemSize() {
            int s = 1;
            for (int i = 1; i < shape.length; i++) {
                s *= shape[i];
            }
            return s;
        }
    }

    /** Reads an unsigned-byte IDX file, checking its magic, dimensions and length. */
    public static UByteArray readUBytes(Path path) {
        byte[] bytes = load(path);
        String what = "IDX file " + path;
        if (bytes.length < 4 || bytes[0] != 0 || bytes[1] != 0) {
            throw new LatentfieldException(what + " has no IDX magic (two zero bytes, a type code, a dimension count).");
        }
        if (bytes[2] != 0x08) {
            throw new LatentfieldException(what + " holds type code 0x" + Integer.toHexString(bytes[2] & 0xff) + "; expected 0x08 (unsigned bytes).");
        }
        int dims = bytes[3] & 0xff;
        if (dims < 1 || bytes.length < 4 + 4L * dims) {
            throw new LatentfieldException(what + " is truncated inside its header.");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int[] shape = new int[dims];
        long count = 1;
        for (int i = 0; i < dims; i++) {
            shape[i] = b.getInt(4 + 4 * i);
            if (shape[i] < 0) {
                throw new LatentfieldException(what + " declares a negative dimension.");
            }
            count *= shape[i];
        }
        int start = 4 + 4 * dims;
        if (bytes.length - start != count) {
            throw new LatentfieldException(what + " holds " + (bytes.length - start) + " data bytes but its header declares " + count + ".");
        }
        byte[] data = new byte[(int) count];
        System.arraycopy(bytes, start, data, 0, data.length);
        return new UByteArray(shape, data);
    }

    private static byte[] load(Path path) {
        InputFiles.wholeReadable(path, "IDX file " + path);
        try (InputStream raw = Files.newInputStream(path)) {
            byte[] head = raw.readNBytes(2);
            boolean gz = head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
            if (!gz) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                all.write(head);
                raw.transferTo(all);
                return all.toByteArray();
            }
        } catch (NoSuchFileException e) {
            throw new LatentfieldException("IDX file " + path + " does not exist.");
        } catch (IOException e) {
            throw new LatentfieldException("IDX file " + path + " cannot be read: " + e.getMessage() + ".", e);
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(path), 1 << 16)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new LatentfieldException("IDX file " + path + " is a corrupt gzip stream: " + e.getMessage() + ".", e);
        }
    }
}
