package org.latentfield.report;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.latentfield.LatentfieldException;

/**
 * An output directory written all at once: files are written into a hidden staging directory
 * beside the target and moved into it only by {@link #commit}, each with an atomic rename. A
 * run that fails before the commit leaves an existing directory exactly as it was; files in
 * the target that the run does not produce are left alone, except the ones it names as stale
 * (outputs of an earlier run that this one replaces by their absence).
 */
public final class OutputDirectory implements AutoCloseable {
    private final Path target;
    private final Path staging;
    private boolean committed;

    private OutputDirectory(Path target, Path staging) {
        this.target = target;
        this.staging = staging;
    }

    /**
     * Checks that {@code target} can be written and prepares the staging directory.
     *
     * @throws LatentfieldException naming the directory when it is a file or cannot be written
     */
    public static OutputDirectory stage(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new LatentfieldException("output directory " + target + " is an existing file; expected a directory path.");
        }
        if (Files.isDirectory(abs) && !Files.isWritable(abs)) {
            throw new LatentfieldException("output directory " + target + " is not writable.");
        }
        Path parent = abs.getParent();
        try {
            Files.createDirectories(parent);
            Path staging = Files.createTempDirectory(parent, "." + abs.getFileName() + ".staging-");
            return new OutputDirectory(abs, staging);
        } catch (IOException | SecurityException e) {
            throw new LatentfieldException("output directory " + target + " cannot be written (" + describe(e) + ").", e);
        }
    }

    /** Where to write the output file {@code name} before the commit. */
    public Path file(String name) {
        return staging.resolve(name);
    }

    /** The final directory. */
    public Path target() {
        return target;
    }

    /**
     * Moves every staged file into the target (created if needed), replacing files of the same
     * name, and deletes the {@code stale} names that this run did not produce.
     */
    public void commit(Collection<String> stale) {
        try {
            Files.createDirectories(target);
            Set<String> written = new HashSet<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(staging)) {
                for (Path f : files) {
                    written.add(f.getFileName().toString());
                }
            }
            for (String name : written) {
                move(staging.resolve(name), target.resolve(name));
            }
            for (String name : stale) {
                if (!written.contains(name)) {
                    Files.deleteIfExists(target.resolve(name));
                }
            }
            committed = true;
        } catch (IOException e) {
            throw new LatentfieldException("output directory " + target + " could not receive the results (" + describe(e) + ").", e);
        } finally {
            close();
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public boolean committed() {
        return committed;
    }

    /** Deletes the staging directory and whatever is left in it. */
    @Override
    public void close() {
        if (!Files.exists(staging)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(staging)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a leftover hidden staging directory is harmless
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + m;
        }
        return e.getClass().getSimpleName().replace("Exception", "") + (m == null ? "" : ": " + m);
    }
}
