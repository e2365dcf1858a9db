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
        Header h = header(ByteBuffer.wrap(bytes), bytes.length, what);
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) h.dataOffset(), (int) h.dataBytes()).slice().order(ByteOrder.LITTLE_ENDIAN);
        return new NpyArray(h.descr(), h.shape(), data, what);
    }

    /**
     * What a .npy header says: the dtype descriptor, the shape, and where the C-order data
     * starts and how many bytes it takes.
     */
    public record Header(String descr, long[] shape, long dataOffset, long dataBytes) {
        /** Number of elements: the product of the shape. */
        public long size() {
            return product(shape);
        }

        /** Bytes per element. */
        public int itemSize() {
            return (int) (size() == 0 ? 0 : dataBytes / size());
        }
    }

    /**
     * Reads the header of a .npy file of {@code size} bytes without reading its data, for files
     * read in chunks ({@link NpyRows}).
     *
     * @throws LatentfieldException as {@link #read}
     */
    public static Header header(FileChannel ch, long size, String what) throws IOException {
        ByteBuffer first = ByteBuffer.allocate((int) Math.min(size, 12)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, first, 0);
        int headerLen = headerLength(first.flip(), what);
        if (headerLen < 0) {
            throw new LatentfieldException(what + " is not a .npy file (no \\x93NUMPY magic).");
        }
        int start = first.get(6) == 1 ? 10 : 12;
        if (start + (long) headerLen > size) {
            throw new LatentfieldException(what + " is truncated inside its header.");
        }
        ByteBuffer all = ByteBuffer.allocate(start + headerLen);
        readFully(ch, all, 0);
        return header(all.flip(), size, what);
    }

    /** Fills {@code b} from {@code position} on; a file that ends first leaves it short. */
    public static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long at = position;
        while (b.hasRemaining()) {
            int got = ch.read(b, at);
            if (got < 0) {
                return;
            }
            at += got;
        }
    }

    /** The header length field of a buffer that starts with the magic, or -1 when it does not. */
    private static int headerLength(ByteBuffer b, String what) {
        if (b.limit() < 10) {
            return -1;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (b.get(i) != MAGIC[i]) {
                return -1;
            }
        }
        int major = b.get(6);
        if (major == 1) {
            return Short.toUnsignedInt(b.getShort(8));
        }
        if (major == 2 || major == 3) {
            if (b.limit() < 12) {
                throw new LatentfieldException(what + " is truncated inside its header.");
            }
            int len = b.getInt(8);
            if (len < 0) {
                throw new LatentfieldException(what + " is truncated inside its header.");
            }
            return len;
        }
        throw new LatentfieldException(what + " has .npy format version " + major + "." + b.get(7) + "; expected 1.0, 2.0 or 3.0.");
    }

    /** Parses the header at the start of {@code b} (at least the whole header) of a file of {@code size} bytes. */
    private static Header header(ByteBuffer b, long size, String what) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = headerLength(b, what);
        if (headerLen < 0) {
            throw new LatentfieldException(what + " is not a .npy file (no \\x93NUMPY magic).");
        }
        int major = b.get(6);
        int headerStart = major == 1 ? 10 : 12;
        if (headerStart + (long) headerLen > Math.min(size, b.limit())) {
            throw new LatentfieldException(what + " is truncated inside its header.");
        }
        byte[] text = new byte[headerLen];
        b.get(headerStart, text);
        String header = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
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
        long dataStart = headerStart + headerLen;
        long available = size - dataStart;
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
                    + shapeString(shape) + " but only " + available + " follow.");
        }
        return new Header(descr, shape, dataStart, expected);
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
        long product = product(shape);
        if (product != count) {
            throw new IllegalArgumentException("shape " + shapeString(shape) + " holds " + product + " values, got " + count);
        }
        ByteBuffer head = headerBytes(descr, shape);
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

    /** The header of an array of {@code descr} and {@code shape}, padded so the data starts at a multiple of 64 bytes. */
    static ByteBuffer headerBytes(String descr, long[] shape) {
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
        return head.put(header.getBytes(StandardCharsets.ISO_8859_1)).flip();
    }

    /** The number of elements of an array of this shape (1 for a scalar). */
    static long product(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
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

}
