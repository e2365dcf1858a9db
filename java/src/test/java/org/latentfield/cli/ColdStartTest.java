package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first run on a machine, in a JVM of its own with an empty JavaCPP cache, next to Debian's
 * LibTorch 1.13 (python3-torch). JavaCPP extracted the preset's libraries one at a time, so
 * {@code libtorch.so} once resolved {@code libtorch_cpu.so} from /usr/lib/x86_64-linux-gnu and
 * the JVM crashed (issue 11); the second run, on a full cache, worked. The engine now extracts
 * everything before it loads anything (NativeLibraries), and these runs must end normally.
 */
class ColdStartTest {
    private static final Path MODEL = Path.of("..", "models", "mnist-mlp-k2.pt").toAbsolutePath().normalize();
    private static final long TIMEOUT_SECONDS = 300;

    @TempDir
    Path dir;

    @BeforeAll
    static void needsDebiansTorch() {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/torch")),
                "Debian's python3-torch is not installed: the cold start next to its LibTorch 1.13 is not tested here");
        assertTrue(Files.isRegularFile(MODEL), "the shipped model " + MODEL);
    }

    /** One CLI run in a child JVM: its exit code and what it printed. */
    private record Child(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + ", stderr: " + err + ", stdout: " + out;
        }
    }

    private Child run(Path cache, String... args) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Djava.awt.headless=true", "-Xmx1g",
                "-Dorg.bytedeco.javacpp.cachedir=" + cache,
                "-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"),
                "-cp", System.getProperty("java.class.path"), "org.latentfield.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("the child JVM ran past " + TIMEOUT_SECONDS + " s: " + Files.readString(err));
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> crashes = files.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).toList();
            assertTrue(crashes.isEmpty(), "the JVM crashed (" + crashes + ", exit " + p.exitValue() + "): "
                    + (crashes.isEmpty() ? "" : Files.readString(crashes.get(0)).lines().limit(12).toList()));
        }
        return new Child(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private Path emptyCache() throws IOException {
        Path cache = Files.createTempDirectory(dir, "javacpp-cache");
        try (Stream<Path> files = Files.list(cache)) {
            assertEquals(0, files.count(), "the cache starts empty");
        }
        return cache;
    }

    @Test
    void infoRunsOnAnEmptyCacheAndAgainOnTheFullOne() throws Exception {
        Path cache = emptyCache();
        for (String start : List.of("cold", "warm")) {
            Child r = run(cache, "info", "--model", MODEL.toString(), "--json");
            assertEquals(0, r.code(), start + " start: " + r);
            JsonNode o = new ObjectMapper().readTree(r.out());
            assertEquals(2, o.get("latent_dim").asInt(), start + " start: " + r);
            assertTrue(o.get("self_test").get("passed").asBoolean(), start + " start: " + r);
            assertTrue(o.get("engine").asText().startsWith("native cpu"), start + " start: " + o.get("engine"));
        }
        try (Stream<Path> files = Files.walk(cache)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().equals("libtorch_cpu.so")),
                    "LibTorch came from the cache " + cache);
        }
    }

    @Test
    void attractorsRunLiblfAndOpenBlasOnAnEmptyCache() throws Exception {
        Path out = dir.resolve("attractors");
        Child r = run(emptyCache(), "attractors", "--model", MODEL.toString(), "--samples", "200", "--out", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("starts 200: converged 200, not converged 0, diverged 0"), r.toString());
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(1, s.get("attractor_count").asInt(), r.toString());
        assertTrue(s.get("settings").get("engine").asText().startsWith("native cpu"), s.get("settings").toString());
    }
}
