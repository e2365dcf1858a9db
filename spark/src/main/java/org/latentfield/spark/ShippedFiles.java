package org.latentfield.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.latentfield.LatentfieldException;

/**
 * A run's input files (model, decoder, starts) carried to the executors inside the task's
 * broadcast. On each executor JVM a file is written once, to
 * {@code java.io.tmpdir/latentfield-spark/SHA256/NAME} (by a temporary name, then renamed), and
 * every later task of any run with the same bytes reuses it.
 *
 * @param names   each file's spelling on the command line to its name
 * @param bytes   each name's content
 * @param digests each name's SHA-256 (hex), computed once on the driver
 */
record ShippedFiles(Map<String, String> names, Map<String, byte[]> bytes, Map<String, String> digests) implements Serializable {
    /** The files' contents and digests, keyed by name. */
    static ShippedFiles of(Map<String, String> names, Map<String, byte[]> bytes) {
        Map<String, String> digests = new HashMap<>();
        bytes.forEach((name, b) -> digests.put(name, sha256(b)));
        return new ShippedFiles(names, bytes, digests);
    }

    private static final Map<String, Path> WRITTEN = new ConcurrentHashMap<>();

    /** Each file's spelling on the command line to its local path on this JVM. */
    Map<String, String> materialize() {
        Map<String, String> local = new HashMap<>();
        for (Map.Entry<String, String> e : names.entrySet()) {
            String digest = digests.get(e.getValue());
            Path p = WRITTEN.computeIfAbsent(digest + "/" + e.getValue(), key -> write(digest, e.getValue(), bytes.get(e.getValue())));
            local.put(e.getKey(), p.toString());
        }
        return local;
    }

    private static Path write(String digest, String name, byte[] b) {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "latentfield-spark", digest);
        Path target = dir.resolve(name);
        try {
            Files.createDirectories(dir);
            if (!Files.isRegularFile(target) || Files.size(target) != b.length) {
                Path tmp = Files.createTempFile(dir, name, ".part");
                Files.write(tmp, b);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new LatentfieldException("the executor could not write " + name + " to " + dir + " (" + e.getMessage() + ").", e);
        }
    }

    private static String sha256(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
