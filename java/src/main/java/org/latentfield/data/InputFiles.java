package org.latentfield.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.latentfield.LatentfieldException;

/**
 * Checks an input file before it is read: it must exist and be a regular file (a FIFO would
 * block forever, a device such as /dev/zero never ends), and a file read whole into memory must
 * fit one Java array.
 */
public final class InputFiles {
    /** The most bytes one Java array can hold. */
    public static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    private InputFiles() {}

    /**
     * Returns the size in bytes of {@code path}, a regular file.
     *
     * @param what how to name the file in a message, e.g. "NumPy file x.npy"
     * @throws LatentfieldException when it is missing or not a regular file (symbolic links are followed)
     */
    public static long regular(Path path, String what) {
        if (!Files.exists(path)) {
            throw new LatentfieldException(what + " does not exist.");
        }
        if (!Files.isRegularFile(path)) {
            throw new LatentfieldException(what + " is not a regular file (" + kind(path) + "); give a file.");
        }
        try {
            return Files.size(path);
        } catch (IOException e) {
            throw new LatentfieldException(what + " cannot be read: " + e.getMessage() + ".", e);
        }
    }

    /** As {@link #regular}, and the file must fit one array when read whole. */
    public static long wholeReadable(Path path, String what) {
        long size = regular(path, what);
        if (size > MAX_ARRAY_BYTES) {
            throw new LatentfieldException(what + " is " + (size >> 20) + " MiB; files over 2 GiB are not read whole (split it).");
        }
        return size;
    }

    private static String kind(Path path) {
        if (Files.isDirectory(path)) {
            return "a directory";
        }
        try {
            Object fifo = Files.getAttribute(path, "unix:mode");
            int mode = fifo instanceof Integer m ? m : 0;
            return switch (mode & 0170000) {
                case 0010000 -> "a FIFO, which would block";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "not a plain file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "not a plain file";
        }
    }
}
