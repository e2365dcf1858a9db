package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.latentfield.data.Npy;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.CancelledException;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.MlpExtraction;
import org.latentfield.map.torch.TestModels;
import org.latentfield.map.torch.TorchScriptAutoencoder;

/**
 * SIGTERM and SIGINT during a run (issue 11): the CLI, in a child JVM, is signalled while it is
 * inside its loop (the native MLP engine's fused loop, LibTorch's batches, training steps). It
 * must stop cleanly: exit 143 or 130, one line "latentfield CMD: interrupted; nothing written to
 * OUT.", the earlier --out (or model, card and log) byte-identical, no staging left, and no JVM
 * crash file (before the fix, a signal during the native loop let the JVM's exit free OpenBLAS's
 * buffers under the running cblas_sgemm: SIGSEGV, hs_err_pid*.log, the staging directory left).
 */
class InterruptTest {
    private static final long START_TIMEOUT_S = 90;
    private static final long STOP_TIMEOUT_S = 30;

    @TempDir
    Path dir;

    /**
     * A child JVM running the CLI in its own working directory, stdout and stderr going to files
     * there (Process.destroy closes the parent's ends of pipes: the last lines would be lost).
     */
    private record Child(String label, Process process, Path cwd) {
        String errText() {
            try {
                return Files.readString(cwd.resolve("stderr.txt"), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static Path models() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("models/mnist-mlp-k2.pt"))) {
                return p.resolve("models");
            }
        }
        throw new IllegalStateException("models/mnist-mlp-k2.pt not found above " + Path.of("").toAbsolutePath());
    }

    private Child start(Path cwd, String label, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-Xmx1g", "-Dorg.bytedeco.javacpp.maxBytes=0", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Files.createDirectories(cwd);
        Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectOutput(cwd.resolve("stdout.txt").toFile())
                .redirectError(cwd.resolve("stderr.txt").toFile()).start();
        return new Child(label, p, cwd);
    }

    /** Waits until the child's stderr shows {@code text} (its loop is running). */
    private static void awaitInLoop(Child c, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_S);
        while (!c.errText().contains(text)) {
            if (!c.process().isAlive()) {
                fail("the child ended (exit " + c.process().exitValue() + ") before its loop ran: " + c.errText());
            }
            if (System.nanoTime() > deadline) {
                c.process().destroyForcibly();
                fail("no '" + text + "' on the child's stderr within " + START_TIMEOUT_S + " s: " + c.errText());
            }
            Thread.sleep(50);
        }
    }

    /** Sends SIGTERM (Process.destroy) or SIGINT (kill -INT), waits for the exit; returns {exit code, milliseconds}. */
    private static long[] interrupt(Child c, String signal) throws Exception {
        long sent = System.nanoTime();
        if (signal.equals("TERM")) {
            c.process().destroy();
        } else {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(c.process().pid())).inheritIO().start();
            assertEquals(0, kill.waitFor(), "kill -" + signal);
        }
        if (!c.process().waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS)) {
            c.process().destroyForcibly();
            fail("the child did not exit within " + STOP_TIMEOUT_S + " s of SIG" + signal + ": " + c.errText());
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
        System.out.printf("InterruptTest: %s exited %d, %d ms after SIG%s%n", c.label(), c.process().exitValue(), millis, signal);
        return new long[] {c.process().exitValue(), millis};
    }

    /** Whether this JVM ignores SIGINT (a background job's children do): its children could not be interrupted by it. */
    private static boolean sigintIgnored() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << 1)) != 0;
            }
        }
        return false;
    }

    /** Relative path -> SHA-256 of every file under {@code root}. */
    private static Map<String, String> hashes(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(f).toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
            }
        }
        return out;
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The child said it was interrupted in exactly one line, the last, printed nothing else worrying, and left no crash file. */
    private static void assertCleanStop(Child c, int code, long[] result, String expectedLine) throws IOException {
        String err = c.errText();
        assertEquals(code, result[0], "exit code; stderr: " + err);
        List<String> lines = err.lines().flatMap(l -> Stream.of(l.split("\r"))).map(String::strip).filter(l -> !l.isEmpty()).toList();
        assertEquals(1, lines.stream().filter(l -> l.contains("interrupted")).count(), "one interruption line: " + err);
        assertEquals(expectedLine, lines.get(lines.size() - 1), "the last line of stderr");
        assertFalse(err.contains("Exception") || err.contains("fatal error") || err.contains("SIGSEGV"), err);
        assertEquals("", Files.readString(c.cwd().resolve("stdout.txt")), "stdout");
        assertEquals(List.of("stderr.txt", "stdout.txt"), names(c.cwd()), "no hs_err_pid*.log or core file in the child's working directory");
        assertTrue(result[1] < Interruption.GRACE_MILLIS, "stopped by itself, not by the watchdog: " + result[1] + " ms");
    }

    @ParameterizedTest(name = "{0} engine, SIG{1}")
    @CsvSource({"native, TERM, 143", "native, INT, 130", "torch, TERM, 143", "torch, INT, 130"})
    void attractorsStopCleanlyAndLeaveTheOutputAlone(String engine, String signal, int code) throws Exception {
        if (signal.equals("INT")) {
            assumeFalse(sigintIgnored(), "this JVM ignores SIGINT (started as a background job), so would its children");
        }
        Path out = dir.resolve("out");
        Files.createDirectories(out.resolve("sub"));
        Files.writeString(out.resolve("summary.json"), "{\"from\": \"an earlier run\"}\n");
        Files.write(out.resolve("endpoints.npy"), new byte[] {1, 2, 3, 4});
        Files.writeString(out.resolve("sub/notes.txt"), "kept\n");
        Map<String, String> before = hashes(out);

        // far more work than the test waits for: the signal lands inside the loop
        Child c = start(dir.resolve("cwd"), "attractors --engine " + engine, "attractors", "--model", models().resolve("mnist-mlp-k2.pt").toString(), "--engine", engine,
                "--samples", "1000000", "--max-iter", "20", "--out", out.toString());
        awaitInLoop(c, "points");
        long[] result = interrupt(c, signal);

        assertCleanStop(c, code, result, "latentfield attractors: interrupted; nothing written to " + out + ".");
        assertEquals(before, hashes(out), "the earlier --out is byte-identical");
        assertEquals(List.of("cwd", "out"), names(dir), "no staging directory is left beside --out");
    }

    /** In-process: a requested cancellation stops the LibTorch and native loops, and the next CLI run clears it. */
    @Test
    void aCancellationStopsTheSolversUntilTheNextRunClearsIt() throws Exception {
        Path model = TestModels.mlp(dir.resolve("mlp.pt"), "z", 4);
        Points starts = StartPoints.uniform(200, 2, -3, 3, 1);
        FixedPointSolver.Options options = FixedPointSolver.Options.defaults();
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model));
             NativeMlp mlp = NativeMlp.create(MlpExtraction.extract(map).layers(), Device.CPU)) {
            Cancellation.request();
            try {
                assertThrows(CancelledException.class, () -> FixedPointSolver.solve(map, starts, options));
                assertThrows(CancelledException.class, () -> FixedPointSolver.solveNative(mlp, starts, options, n -> { }));
                // the native loop itself returns LF_CANCELLED
                assertThrows(CancelledException.class, () -> mlp.fixedPoints(starts.data(), 200, 1e-6, 100, 1e6, 64, 0, 0));
                assertThrows(CancelledException.class, () -> mlp.apply(starts.data(), 200));
            } finally {
                Cancellation.clear();
            }
            assertEquals(200, FixedPointSolver.solveNative(mlp, starts, options, n -> { }).size());
        }
        Cancellation.request();
        CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--samples", "50", "--out", dir.resolve("out").toString());
        assertEquals(Main.OK, r.code(), r.err());
        assertFalse(Cancellation.requested());
    }

    @Test
    void killedTrainingLeavesTheEarlierModelCardAndLogAlone() throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        float[] pixels = new float[400 * 28 * 28];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextDouble();
        }
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Npy.writeFloat32(data.resolve("train.npy"), pixels, 400, 1, 28, 28);
        Npy.writeFloat32(data.resolve("test.npy"), java.util.Arrays.copyOf(pixels, 100 * 28 * 28), 100, 1, 28, 28);
        Path models = dir.resolve("models");
        Files.createDirectories(models);
        for (String suffix : new String[] {".pt", ".json", ".log.json"}) {
            Files.copy(models().resolve("mnist-mlp-k2" + suffix), models.resolve("m" + suffix));
        }
        Map<String, String> before = hashes(models);
        Path model = models.resolve("m.pt");

        Child c = start(dir.resolve("cwd"), "train", "train", "--train", data.resolve("train.npy").toString(), "--test",
                data.resolve("test.npy").toString(), "--arch", "mlp", "--hidden", "64", "--latent", "2", "--epochs", "100000",
                "--batch", "50", "--out", model.toString());
        awaitInLoop(c, "epoch 2/"); // an epoch's log has been written by now
        long[] result = interrupt(c, "TERM");

        assertCleanStop(c, 143, result, "latentfield train: interrupted; nothing written to " + model + ".");
        assertEquals(before, hashes(models), "m.pt, m.json and m.log.json are the earlier model's, byte for byte");
    }
}
