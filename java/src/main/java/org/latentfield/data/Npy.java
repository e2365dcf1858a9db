package org.latentfield.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.latentfield.LatentfieldException;

/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0): reading little-endian C-order arrays and
 * writing float32, int32 and bool arrays that {@code numpy.load} reads back.
 *
 * <p>Layout: the magic {@code \x93NUMPY}, the version (2 bytes), the header length (uint16 for
 * version 1, uint32 for 2 and 3), an ASCII (UTF-8 for 3) Python dict literal with keys
 * {@code descr}, {@code fortran_order} and {@code shape}, padded with spaces and ended by a
 * newline so that the data starts at a multiple of 64 bytes, then the raw data.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /**
     * Reads a whole .npy file.
     *
     * @throws LatentfieldException naming the file when it is missing, not a .npy file,
     *                              Fortran-ordered, big-endian or truncated
     */
    public static NpyArray read(Path path) {
        String what = "NumPy file " + path;
        long size = InputFiles.wholeReadable(path, what);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new LatentfieldException(what + " does not exist.");
        } catch (IOException e) {
            throw new LatentfieldException(what + " cannot be read: " + e.getMessage() + ".", e);
        }
        if (bytes.length != size) {
            throw new LatentfieldException(what + " changed while it was read (" + size + " bytes, then " + bytes.length + ").");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || !startsWith(bytes, MAGIC)) {
            throw new LatentfieldException(what + " is not a .npy file (no \\x93NUMPY magic).");
        }
        int major = bytes[6];
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(b.getShort(8));
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new LatentfieldException(what + " is truncated inside its header.");
            }
            headerLen = b.getInt(8);
            headerStart = 12;
        } else {
            throw new LatentfieldException(what + " has .npy format version " + major + "." + bytes[7] + "; expected 1.0, 2.0 or 3.0.");
        }
        if (headerLen < 0 || headerStart + (long) headerLen > bytes.length) {
            throw new LatentfieldException(what + " is truncated inside its header.");
        }
        String header = new String(bytes, headerStart, headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new LatentfieldException(what + " has a malformed header: " + header.strip() + ".");
        }
        String descr = d.group(1);
        if (f.group(1).equals("True")) {
            throw new LatentfieldException(what + " is stored in Fortran order; expected C order (save np.ascontiguousarray(a)).");
        }
        if (descr.startsWith(">")) {
            throw new LatentfieldException(what + " is big-endian (" + descr + "); expected little-endian data.");
        }
        long[] shape = parseShape(s.group(1), what);
        int itemSize = itemSize(descr, what);
        int dataStart = headerStart + headerLen;
        long available = bytes.length - dataStart;
        long expected = itemSize;
        for (long dim : shape) {
            // checked by division first: a header claiming 2^62 rows must not overflow
            if (dim != 0 && expected > available / dim) {
                throw new LatentfieldException(what + " is truncated: its header promises shape " + shapeString(shape) + " of " + itemSize
                        + "-byte items, more than the " + available + " bytes that follow.");
            }
            expected *= dim;
        }
        if (available < expected) {
            throw new LatentfieldException(what + " is truncated: its header promises " + expected + " bytes of data for shape "
                    + shapeString(shape) + " but only " + (bytes.length - dataStart) + " follow.");
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) expected).slice().order(ByteOrder.LITTLE_ENDIAN);
        return new NpyArray(descr, shape, data, what);
    }

    /** Writes a float32 array of the given shape. */
    public static void writeFloat32(Path path, float[] data, long... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        write(path, "<f4", shape, b, data.length);
    }

    /** Writes a float64 array of the given shape. */
    public static void writeFloat64(Path path, double[] data, long... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(data);
        write(path, "<f8", shape, b, data.length);
    }

    /** Writes a uint8 array (values 0..255 stored in Java bytes) of the given shape. */
    public static void writeUInt8(Path path, byte[] data, long... shape) throws IOException {
        write(path, "|u1", shape, ByteBuffer.wrap(data), data.length);
    }

    /** Writes an int32 array of the given shape. */
    public static void writeInt32(Path path, int[] data, long... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(data);
        write(path, "<i4", shape, b, data.length);
    }

    /** Writes a bool array (one byte per value, NumPy dtype "|b1") of the given shape. */
    public static void writeBool(Path path, boolean[] data, long... shape) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(data.length);
        for (boolean v : data) {
            b.put((byte) (v ? 1 : 0));
        }
        b.flip();
        write(path, "|b1", shape, b, data.length);
    }

    private static void write(Path path, String descr, long[] shape, ByteBuffer data, long count) throws IOException {
        long product = 1;
        for (long d : shape) {
            product *= d;
        }
        if (product != count) {
            throw new IllegalArgumentException("shape " + shapeString(shape) + " holds " + product + " values, got " + count);
        }
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeString(shape) + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        boolean v1 = unpadded <= 65535;
        int prefix = MAGIC.length + 2 + (v1 ? 2 : 4);
        int total = (prefix + dict.length() + 1 + 63) / 64 * 64;
        String header = dict + " ".repeat(total - prefix - dict.length() - 1) + "\n";
        ByteBuffer head = ByteBuffer.allocate(prefix + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) (v1 ? 1 : 2)).put((byte) 0);
        if (v1) {
            head.putShort((short) header.length());
        } else {
            head.putInt(header.length());
        }
        head.put(header.getBytes(StandardCharsets.ISO_8859_1)).flip();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) {
                ch.write(head);
            }
            ByteBuffer body = data.duplicate();
            while (body.hasRemaining()) {
                ch.write(body);
            }
        }
    }

    static String shapeString(long[] shape) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return b.append(shape.length == 1 ? ",)" : ")").toString();
    }

    static String dtypeName(String descr) {
        return switch (descr.replace("<", "").replace("|", "").replace("=", "")) {
            case "f4" -> "float32";
            case "f8" -> "float64";
            case "f2" -> "float16";
            case "i1" -> "int8";
            case "i2" -> "int16";
            case "i4" -> "int32";
            case "i8" -> "int64";
            case "u1" -> "uint8";
            case "u2" -> "uint16";
            case "u4" -> "uint32";
            case "u8" -> "uint64";
            case "b1" -> "bool";
            default -> descr;
        };
    }

    private static int itemSize(String descr, String what) {
        String code = descr.replaceAll("^[<|=]", "");
        if (code.length() >= 2 && "fiub".indexOf(code.charAt(0)) >= 0) {
            try {
                return Integer.parseInt(code.substring(1));
            } catch (NumberFormatException e) {
                // falls through
            }
        }
        throw new LatentfieldException(what + " holds unsupported dtype '" + descr + "'; expected a numeric or bool array.");
    }

    private static long[] parseShape(String text, String what) {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip().replaceAll("L$", "");
            if (p.isEmpty()) {
                continue;
            }
            try {
                long d = Long.parseLong(p);
                if (d < 0) {
                    throw new NumberFormatException();
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new LatentfieldException(what + " has a malformed shape (" + text + ").");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
