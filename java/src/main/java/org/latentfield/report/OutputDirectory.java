package org.latentfield.report;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.latentfield.LatentfieldException;

/**
 * An output directory that a run replaces all at once, or not at all.
 *
 * <p>Files are written into a hidden staging directory on the same file system as the target:
 * {@code .NAME.staging-PID-R} beside it, or, where the parent cannot be written (or is another
 * file system, as for a mount point), {@code .latentfield-staging-PID-R} inside the existing
 * target. Nothing in the target changes before {@link #commit}. A new target is created by one
 * atomic rename of the staging directory. An existing one is updated by renames only: every
 * entry the run replaces or retires (its own names and the {@code stale} ones) is first moved
 * into a backup directory beside the staging one, then the new files are moved in; if any rename
 * fails (an immutable file, a full or read-only file system), the moves done so far are undone
 * in reverse, so the target holds exactly its old entries again, and the run fails with one
 * sentence. Renames need no space, so a full file system fails while writing the staging files,
 * before the target is touched. Files in the target that the run neither produces nor retires
 * are never touched.
 *
 * <p>Staging and backup directories carry the writer's process id; {@link #stage} removes those
 * of processes that no longer run (a backup of a run killed mid-commit is first moved back into
 * the target where the target lacks the names).
 */
public final class OutputDirectory implements AutoCloseable {
    private static final String STAGING = "staging-", BACKUP = "old-", INSIDE = ".latentfield-", PARTIAL = "partial";

    /** The file every command writes its results' summary to; it names the command. */
    public static final String SUMMARY = "summary.json";

    private final Path target;
    private final Path staging;
    private final boolean beside;
    private String command;
    private boolean committed;
    private boolean keepStaging;

    private OutputDirectory(Path target, Path staging, boolean beside) {
        this.target = target;
        this.staging = staging;
        this.beside = beside;
    }

    /**
     * {@link #stage(Path)} for the results of {@code command}, which must not replace another
     * command's: a target whose summary.json names another command is refused.
     */
    public static OutputDirectory stage(Path target, String command) {
        Path summary = target.toAbsolutePath().normalize().resolve(SUMMARY);
        if (Files.isRegularFile(summary)) {
            String owner;
            try {
                owner = Json.read(summary).path("command").asText("");
            } catch (IOException e) {
                owner = "";
            }
            if (!owner.isEmpty() && !owner.equals(command)) {
                throw new LatentfieldException("output directory " + target + " holds the results of 'latentfield " + owner + "' ("
                        + SUMMARY + "); " + command + " would overwrite them, so give it another --out.");
            }
        }
        OutputDirectory dir = stage(target);
        dir.command = command;
        return dir;
    }

    /**
     * Writes {@code summary} (given its {@code "command"} first, in place, when it has none) as
     * the staged summary.json.
     */
    public void writeSummary(com.fasterxml.jackson.databind.node.ObjectNode summary) throws IOException {
        if (command != null && !summary.has("command")) {
            com.fasterxml.jackson.databind.node.ObjectNode first = Json.object().put("command", command);
            first.setAll(summary);
            summary.removeAll();
            summary.setAll(first);
        }
        Json.write(file(SUMMARY), summary);
    }

    /**
     * Checks that {@code target} can be written, removes what dead runs left behind, and
     * prepares the staging directory.
     *
     * @throws LatentfieldException naming the directory when it is a file or cannot be written
     */
    public static OutputDirectory stage(Path target) {
        if (target.toString().isBlank()) {
            throw new LatentfieldException("the output directory path is empty; give a directory path.");
        }
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new LatentfieldException("output directory " + target + " is a file system root; give a directory below it.");
        }
        boolean exists = Files.exists(abs);
        if (exists && !Files.isDirectory(abs)) {
            throw new LatentfieldException("output directory " + target + " is an existing file; expected a directory path.");
        }
        if (exists && !Files.isWritable(abs)) {
            throw new LatentfieldException("output directory " + target + " is not writable.");
        }
        removeLeftovers(abs, parent);
        IOException besideFailure = null;
        if (!exists || sameFileSystem(abs, parent)) {
            try {
                Files.createDirectories(parent);
                return new OutputDirectory(abs, fresh(parent, besidePrefix(abs, STAGING)), true);
            } catch (IOException | SecurityException e) {
                besideFailure = e instanceof IOException io ? io : new IOException(e.getMessage());
            }
        }
        if (exists) {
            try {
                return new OutputDirectory(abs, fresh(abs, insidePrefix(STAGING)), false);
            } catch (IOException | SecurityException e) {
                throw new LatentfieldException("output directory " + target + " cannot be written (" + describe(e) + ").", e);
            }
        }
        throw new LatentfieldException("output directory " + target + " cannot be written (" + describe(besideFailure) + ").", besideFailure);
    }

    /**
     * {@link #stage(Path, String)} for a run that can be resumed: the staging directory has a
     * fixed name, {@code .NAME.partial} beside the target (or {@code .latentfield-partial} inside
     * it where the parent cannot be written), and it outlives a run that stops without
     * committing (interrupted, killed or failed), so that the next run given {@code resume}
     * continues from what it holds (once {@link #keepPartial} says it holds something). Without
     * {@code resume} an earlier partial run is removed first. The target itself is still replaced
     * only by {@link #commit}.
     *
     * @return the directory; {@link #resumed()} says whether it holds an earlier run's files
     */
    public static OutputDirectory stageResumable(Path target, String command, boolean resume) {
        OutputDirectory fresh = stage(target, command);
        Path partial = fresh.beside ? fresh.staging.resolveSibling("." + fresh.target.getFileName() + "." + PARTIAL)
                : fresh.target.resolve(INSIDE + PARTIAL);
        try {
            if (!resume) {
                deleteTree(partial);
            }
            boolean existed = Files.isDirectory(partial, LinkOption.NOFOLLOW_LINKS);
            if (!existed) {
                move(fresh.staging, partial);
            } else {
                deleteTree(fresh.staging);
            }
            OutputDirectory dir = new OutputDirectory(fresh.target, partial, fresh.beside);
            dir.command = command;
            dir.resumed = existed;
            dir.keepStaging = existed;
            return dir;
        } catch (IOException e) {
            deleteTree(fresh.staging);
            throw new LatentfieldException("output directory " + target + " cannot be written (" + describe(e) + ").", e);
        }
    }

    private boolean resumed;

    /**
     * Marks a resumable staging directory as worth keeping when the run stops without
     * committing: called once it holds a completed chunk (a run that stops before that leaves
     * nothing behind, as {@link #stage} does).
     */
    public void keepPartial() {
        keepStaging = true;
    }

    /** Whether a resumable staging directory held an earlier run's files when it was staged. */
    public boolean resumed() {
        return resumed;
    }

    /** The staging directory (for a resumable run: where its partial files and checkpoint live). */
    public Path staging() {
        return staging;
    }

    /** The one sentence for a staged file that could not be written: the target is untouched. */
    public LatentfieldException couldNotReceive(IOException e) {
        return new LatentfieldException("output directory " + target + " could not receive the results (" + e.getMessage()
                + "); nothing was changed in it.", e);
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
     * Replaces the target's entries of the staged names with the staged files and retires the
     * {@code stale} names this run did not produce, all or nothing (see the class comment).
     *
     * @throws LatentfieldException when the target could not take the results; it then holds
     *                              exactly what it held before
     */
    public void commit(Collection<String> stale) {
        try {
            List<String> written = list(staging);
            if (beside && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                move(staging, target);
                committed = true;
                return;
            }
            Files.createDirectories(target);
            TreeSet<String> replaced = new TreeSet<>(written);
            replaced.addAll(stale);
            Path backup = fresh(beside ? target.getParent() : target,
                    beside ? besidePrefix(target, BACKUP) : insidePrefix(BACKUP));
            swap(written, replaced, backup);
            committed = true;
            deleteTree(backup);
        } catch (IOException e) {
            throw new LatentfieldException("output directory " + target + " could not receive the results (" + describe(e)
                    + "); it was left as it was.", e);
        } finally {
            close();
        }
    }

    /** Moves the replaced entries into {@code backup} and the written ones in; undoes it all on a failure. */
    private void swap(List<String> written, Collection<String> replaced, Path backup) throws IOException {
        List<String> out = new ArrayList<>();
        List<String> in = new ArrayList<>();
        try {
            for (String name : replaced) {
                if (Files.exists(target.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    move(target.resolve(name), backup.resolve(name));
                    out.add(name);
                }
            }
            for (String name : written) {
                move(staging.resolve(name), target.resolve(name));
                in.add(name);
            }
        } catch (IOException e) {
            List<String> stuck = new ArrayList<>();
            for (int i = in.size() - 1; i >= 0; i--) {
                undo(target.resolve(in.get(i)), staging.resolve(in.get(i)), stuck);
            }
            for (int i = out.size() - 1; i >= 0; i--) {
                undo(backup.resolve(out.get(i)), target.resolve(out.get(i)), stuck);
            }
            if (!stuck.isEmpty()) {
                throw new LatentfieldException("output directory " + target + " could not receive the results (" + describe(e)
                        + "), and " + stuck + " could not be put back; the earlier files are kept in " + backup + ".", e);
            }
            deleteTree(backup);
            throw e;
        }
    }

    private static void undo(Path from, Path to, List<String> stuck) {
        try {
            move(from, to);
        } catch (IOException e) {
            stuck.add(from.getFileName().toString());
        }
    }

    private static void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    public boolean committed() {
        return committed;
    }

    /** Deletes the staging directory and whatever is left in it (a resumable run's, only once committed). */
    @Override
    public void close() {
        if (!keepStaging || committed) {
            deleteTree(staging);
        }
    }

    /**
     * Creates a new directory {@code dir/prefix + random} with the default permissions (a
     * temporary directory would be private, and a new target is the renamed staging directory).
     */
    private static Path fresh(Path dir, String prefix) throws IOException {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; ; attempt++) {
            try {
                return Files.createDirectory(dir.resolve(prefix + Long.toUnsignedString(random.nextLong(), 36)));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    private static String besidePrefix(Path target, String kind) {
        return "." + target.getFileName() + "." + kind + ProcessHandle.current().pid() + "-";
    }

    private static String insidePrefix(String kind) {
        return INSIDE + kind + ProcessHandle.current().pid() + "-";
    }

    /**
     * Removes the staging and backup directories of runs whose process is gone, in the parent
     * and inside the target; a dead run's backup first gives back the names the target lacks.
     */
    private static void removeLeftovers(Path target, Path parent) {
        String name = target.getFileName().toString();
        sweep(parent, "." + name + "." + STAGING, "." + name + "." + BACKUP, target);
        sweep(target, INSIDE + STAGING, INSIDE + BACKUP, target);
    }

    private static void sweep(Path dir, String stagingPrefix, String backupPrefix, Path target) {
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            return;
        }
        List<Path> dead = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(stagingPrefix) || n.startsWith(backupPrefix);
        })) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                        && isLeftover(n.substring(n.startsWith(stagingPrefix) ? stagingPrefix.length() : backupPrefix.length()), p)) {
                    dead.add(p);
                }
            }
        } catch (IOException | SecurityException e) {
            return; // best effort: leftovers are hidden and harmless
        }
        for (Path p : dead) {
            if (p.getFileName().toString().startsWith(backupPrefix)) {
                restore(p, target);
            }
            deleteTree(p);
        }
    }

    /**
     * True when a staging or backup directory with this suffix belongs to no running process:
     * "PID-R" with a dead PID, or the earlier format without a PID, unmodified for an hour.
     */
    private static boolean isLeftover(String suffix, Path p) {
        int dash = suffix.indexOf('-');
        if (dash > 0) {
            try {
                long pid = Long.parseLong(suffix.substring(0, dash));
                return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
            } catch (NumberFormatException e) {
                return false;
            }
        }
        try {
            return Files.getLastModifiedTime(p).toMillis() < System.currentTimeMillis() - 3_600_000L;
        } catch (IOException e) {
            return false;
        }
    }

    private static void restore(Path backup, Path target) {
        try {
            for (String name : list(backup)) {
                if (Files.isDirectory(target) && !Files.exists(target.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    move(backup.resolve(name), target.resolve(name));
                }
            }
        } catch (IOException e) {
            // what cannot be moved back stays in the backup directory, which then stays too
        }
    }

    private static List<String> list(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                names.add(f.getFileName().toString());
            }
        }
        names.sort(null);
        return names;
    }

    private static boolean sameFileSystem(Path a, Path b) {
        try {
            return Objects.equals(Files.getAttribute(a, "unix:dev"), Files.getAttribute(b, "unix:dev"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            try {
                return Files.getFileStore(a).equals(Files.getFileStore(b));
            } catch (IOException e2) {
                return false;
            }
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // best effort: a leftover hidden directory is removed by the next run's sweep
        }
    }

    private static String describe(Exception e) {
        if (e == null) {
            return "unknown cause";
        }
        String m = e.getMessage();
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + m;
        }
        return e.getClass().getSimpleName().replace("Exception", "") + (m == null ? "" : ": " + m);
    }
}
