package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.map.torch.AnalyticMaps;

/**
 * File-system faults while a run's results replace {@code --out}: the old directory stays byte
 * for byte what it was, the run fails with one sentence and exit 1, and nothing hidden is left
 * behind. The faults need root (an immutable file, a full tmpfs); without it they are skipped
 * and say so.
 */
class OutputFaultsTest {
    @TempDir
    Path dir;
    private Path model;

    @BeforeEach
    void model() throws IOException {
        model = AnalyticMaps.plantedFile(dir, AnalyticMaps.OCTAHEDRON_3D, 6, 3, 0.5, 0.7);
    }

    private CliHarness mine(Path out, int samples, String... more) {
        List<String> args = new ArrayList<>(List.of("attractors", "--model", model.toString(), "--samples", Integer.toString(samples),
                "--seed", Integer.toString(samples), "--out", out.toString()));
        args.addAll(List.of(more));
        return CliHarness.run(args.toArray(String[]::new));
    }

    @Test
    void anImmutableOldFileLeavesTheWholeOldDirectoryAsItWas() throws Exception {
        Path out = dir.resolve("run");
        assertEquals(0, mine(out, 40).code());
        Files.writeString(out.resolve("notes.txt"), "the user's own file");
        Map<String, String> before = snapshot(out);
        assumeRoot(sh("chattr", "+i", out.resolve("endpoints.npy").toString()), "chattr +i");
        try {
            CliHarness r = mine(out, 60, "--record-every", "5");
            assertEquals(Main.FAILED, r.code(), r.err());
            assertTrue(r.oneSentenceError(), r.err());
            assertTrue(r.err().contains("could not receive the results") && r.err().contains("left as it was"), r.err());
        } finally {
            sh("chattr", "-i", out.resolve("endpoints.npy").toString());
        }
        assertEquals(before, snapshot(out), "every old file, byte for byte, and no new one");
        assertNoLeftovers(dir);
    }

    @Test
    void aFullFileSystemLeavesTheOldDirectoryAsItWas() throws Exception {
        Path mount = Files.createDirectory(dir.resolve("small"));
        assumeRoot(sh("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount.toString()), "mount tmpfs");
        try {
            Path sub = mount.resolve("run");
            assertEquals(0, mine(sub, 30).code());
            assertEquals(0, mine(mount, 30).code(), "the mount point itself: staged inside it, another file system than its parent");
            Map<String, String> subBefore = snapshot(sub);
            Map<String, String> mountBefore = snapshot(mount);
            fill(mount.resolve("filler"));
            for (Path out : List.of(sub, mount)) {
                CliHarness r = mine(out, 400, "--record-every", "1");
                assertEquals(Main.FAILED, r.code(), r.err());
                assertTrue(r.oneSentenceError(), r.err());
                assertTrue(r.err().contains(out.toString()), r.err());
            }
            assertEquals(subBefore, snapshot(sub));
            Map<String, String> mountAfter = snapshot(mount);
            mountAfter.remove("filler");
            assertEquals(mountBefore, mountAfter);
            assertNoLeftovers(mount);
            Files.delete(mount.resolve("filler"));
            assertEquals(0, mine(sub, 31).code(), "with space again the run goes through");
            assertFalse(subBefore.equals(snapshot(sub)));
        } finally {
            sh("umount", "-l", mount.toString());
        }
    }

    @Test
    void aWritableOutputInAnUnwritableParentIsStagedInsideIt() throws Exception {
        Path parent = Files.createDirectory(dir.resolve("parent"));
        Path out = Files.createDirectory(parent.resolve("run"));
        Files.writeString(out.resolve("notes.txt"), "kept");
        boolean root = sh("chattr", "+i", parent.toString());
        if (!root) {
            assertTrue(parent.toFile().setWritable(false, false));
            Assumptions.assumeFalse(Files.isWritable(parent), "cannot make a directory unwritable here");
        }
        try {
            CliHarness r = mine(out, 40);
            assertEquals(0, r.code(), r.err());
            assertTrue(Files.exists(out.resolve("endpoints.npy")));
            assertEquals("kept", Files.readString(out.resolve("notes.txt")));
            assertNoLeftovers(out);
            try (Stream<Path> s = Files.list(parent)) {
                assertEquals(List.of(out), s.toList(), "nothing was created in the parent");
            }
        } finally {
            if (root) {
                sh("chattr", "-i", parent.toString());
            } else {
                parent.toFile().setWritable(true, false);
            }
        }
    }

    @Test
    void leftoversOfDeadRunsAreRemovedAndTheirBackupsGiveBackWhatTheTargetLacks() throws Exception {
        Path out = dir.resolve("run");
        assertEquals(0, mine(out, 40).code());
        long dead = deadPid();
        Path staging = Files.createDirectory(dir.resolve(".run.staging-" + dead + "-x1"));
        Files.writeString(staging.resolve("summary.json"), "{}");
        Path inside = Files.createDirectory(out.resolve(".latentfield-staging-" + dead + "-x2"));
        Path backup = Files.createDirectory(dir.resolve(".run.old-" + dead + "-x3"));
        Files.writeString(backup.resolve("user.txt"), "moved out by a run killed mid-commit");
        Path legacy = Files.createDirectory(dir.resolve(".run.staging-1234567890"));
        Files.setLastModifiedTime(legacy, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 7_200_000L));
        Path live = Files.createDirectory(dir.resolve(".run.staging-" + ProcessHandle.current().pid() + "-x4"));
        assertEquals(0, mine(out, 40).code());
        assertFalse(Files.exists(staging));
        assertFalse(Files.exists(inside));
        assertFalse(Files.exists(backup));
        assertFalse(Files.exists(legacy));
        assertTrue(Files.exists(live), "a running process's staging directory is not touched");
        assertEquals("moved out by a run killed mid-commit", Files.readString(out.resolve("user.txt")));
    }

    @Test
    void anEmptyOutputPathIsAUsageError() {
        CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--out", "");
        assertEquals(Main.USAGE, r.code());
        assertTrue(r.err().contains("--out is empty"), r.err());
        r = CliHarness.run("attractors", "--model", model.toString(), "--out", " ");
        assertEquals(Main.USAGE, r.code());
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor(10, TimeUnit.SECONDS);
        return p.pid();
    }

    private static void fill(Path file) {
        byte[] block = new byte[4096];
        try (OutputStream o = Files.newOutputStream(file)) {
            while (true) {
                o.write(block);
            }
        } catch (IOException expected) {
            // the file system is full
        }
    }

    private static void assumeRoot(boolean done, String what) {
        Assumptions.assumeTrue(done, what + " is not possible here (it needs root); the fault is not simulated");
    }

    private static boolean sh(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Every file under {@code root}, hidden ones included, with its SHA-256. */
    static Map<String, String> snapshot(Path root) throws Exception {
        Map<String, String> files = new TreeMap<>();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), HexFormat.of().formatHex(sha.digest(Files.readAllBytes(p))));
            }
        }
        return files;
    }

    static void assertNoLeftovers(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> hidden = walk.filter(p -> p.getFileName().toString().contains(".staging-")
                    || p.getFileName().toString().contains(".old-") || p.getFileName().toString().startsWith(".latentfield-")).toList();
            assertEquals(List.of(), hidden, "no staging or backup directory is left behind");
        }
    }
}
