package org.latentfield.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.latentfield.LatentfieldException;

/** SHA-256 of input files, recorded in every summary so results can be traced to the exact model. */
public final class FileDigest {
    /** Digests already computed in this process, keyed by the file's real path, inode, size and modification time (to the nanosecond). */
    private static final java.util.Map<String, String> SEEN = new java.util.concurrent.ConcurrentHashMap<>();

    private FileDigest() {}

    /**
     * Lower-case hex SHA-256 of the file's bytes. A file digested before in this process and not
     * changed since (same real path, inode, size and modification time) is not read again: one run
     * digests its model for the card check, the summary and the run-identity check.
     */
    public static String sha256(Path file) {
        String key;
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
            key = file.toRealPath() + "|" + a.fileKey() + "|" + a.size() + "|" + a.lastModifiedTime().toInstant();
        } catch (IOException e) {
            throw new LatentfieldException("file " + file + " cannot be read: " + e.getMessage() + ".", e);
        }
        String known = SEEN.get(key);
        if (known != null) {
            return known;
        }
        String digest = digest(file);
        SEEN.put(key, digest);
        return digest;
    }

    private static String digest(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new LatentfieldException("file " + file + " cannot be read: " + e.getMessage() + ".", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
