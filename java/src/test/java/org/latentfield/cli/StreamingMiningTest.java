package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Npy;
import org.latentfield.data.NpyArray;
import org.latentfield.report.Json;

/**
 * Streaming attractor mining (issue 14): a run in chunks is the run whole, a million starts
 * run in a small heap, and a killed run resumes from its last completed chunk.
 */
class StreamingMiningTest {
    @TempDir
    Path dir;

    private static Path model(String name) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("models").resolve(name))) {
                return p.resolve("models").resolve(name);
            }
        }
        throw new IllegalStateException("models/" + name + " not found above " + Path.of("").toAbsolutePath());
    }

    private static int[] ints(Path p) {
        NpyArray a = Npy.read(p);
        double[] d = a.toDoubles();
        int[] out = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (int) d[i];
        }
        return out;
    }

    /**
     * fmnist-conv-k16 (5 attractors), 600 noise starts, in one chunk and in six: every start in
     * the same basin, the same attractors in the same order with the same basin sizes, points
     * within float rounding. Chunks change only the GEMMs' batch shapes, and float32 rounding alone
     * moves stopping steps on this model (LibTorch against itself, oneDNN on and off, moves 16% of
     * starts by 1-3 steps; NetEngineCliTest): measured 492 of 600 equal, none more than 3 apart.
     */
    @Test
    void aRunInChunksIsTheRunWhole() throws IOException {
        String k16 = model("fmnist-conv-k16.pt").toString();
        Path whole = dir.resolve("whole"), chunked = dir.resolve("chunked");
        CliHarness a = CliHarness.run("attractors", "--model", k16, "--samples", "600", "--seed", "5", "--chunk", "600", "--out", whole.toString());
        CliHarness b = CliHarness.run("attractors", "--model", k16, "--samples", "600", "--seed", "5", "--chunk", "100", "--out", chunked.toString());
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        JsonNode sa = Json.read(whole.resolve("summary.json")), sb = Json.read(chunked.resolve("summary.json"));
        assertEquals(1, sa.path("settings").path("chunks").asInt());
        assertEquals(6, sb.path("settings").path("chunks").asInt());
        assertTrue(sa.path("attractor_count").asInt() >= 3, "several attractors to tell apart: " + sa.path("attractor_count"));
        assertEquals(sa.path("attractor_count"), sb.path("attractor_count"));
        for (int i = 0; i < sa.path("attractor_count").asInt(); i++) {
            assertEquals(sa.path("attractors").get(i).path("basin_size"), sb.path("attractors").get(i).path("basin_size"), "attractor " + i);
        }
        assertArrayEquals(ints(whole.resolve("basin.npy")), ints(chunked.resolve("basin.npy")), "every start in the same basin");
        assertArrayEquals(Npy.read(whole.resolve("starts.npy")).toFloats(), Npy.read(chunked.resolve("starts.npy")).toFloats(),
                "start i depends on the seed and i only");
        float[] pa = Npy.read(whole.resolve("attractors.npy")).toFloats(), pb = Npy.read(chunked.resolve("attractors.npy")).toFloats();
        double scale = 1;
        for (float v : pa) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int j = 0; j < pa.length; j++) {
            assertEquals(pa[j], pb[j], 1e-5 * scale, "attractor coordinate " + j);
        }
        int[] ia = ints(whole.resolve("iterations.npy")), ib = ints(chunked.resolve("iterations.npy"));
        int equal = 0;
        for (int i = 0; i < ia.length; i++) {
            assertTrue(Math.abs(ia[i] - ib[i]) <= 3, "start " + i + ": " + ia[i] + " vs " + ib[i]);
            equal += ia[i] == ib[i] ? 1 : 0;
        }
        assertTrue(equal >= 0.75 * ia.length, equal + " of " + ia.length + " iteration counts equal");
    }

    /**
     * A million starts of the shipped MLP (native engine; a cap of 3 keeps it under a minute) in
     * a JVM whose heap is 64 MiB: the per-start arrays alone (starts, endpoints, iterations,
     * states, residuals, basins) would take about 40 MiB held at once, with the run's working
     * copies several times that. Every file has its full shape.
     */
    @Test
    void aMillionStartsRunInASmallHeap() throws Exception {
        Path out = dir.resolve("million");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-Xmx64m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "attractors",
                "--model", model("mnist-mlp-k2.pt").toString(), "--engine", "native", "--samples", "1000000", "--max-iter", "3",
                "--out", out.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "finished");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("log.txt")));
        JsonNode s = Json.read(out.resolve("summary.json"));
        assertEquals(1_000_000, s.path("samples").asLong());
        assertEquals(1_000_000, s.path("not_converged").asLong());
        assertEquals(3_000_000, s.path("timing").path("point_iterations").asLong());
        assertTrue(s.path("settings").path("chunks").asInt() > 10, "streamed in chunks: " + s.path("settings").path("chunks"));
        for (String f : List.of("starts.npy", "endpoints.npy")) {
            try (var ch = java.nio.channels.FileChannel.open(out.resolve(f))) {
                assertArrayEquals(new long[] {1_000_000, 2}, Npy.header(ch, ch.size(), f).shape(), f);
            }
        }
        int[] basin = ints(out.resolve("basin.npy"));
        assertEquals(1_000_000, basin.length);
        assertTrue(java.util.Arrays.stream(basin).allMatch(b -> b == -1), "no start converged, none has a basin");
    }

    /**
     * A run killed (SIGKILL) after some chunks leaves the previous --out untouched; --resume
     * continues from its last completed chunk and gives what an uninterrupted run gives.
     */
    @Test
    void aKilledRunResumesFromItsLastChunk() throws Exception {
        String k16 = model("fmnist-conv-k16.pt").toString();
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "earlier results");
        String[] args = {"attractors", "--model", k16, "--samples", "1500", "--seed", "9", "--chunk", "100", "--out", out.toString()};
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-Xmx1g", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        Path checkpoint = dir.resolve(".out.partial").resolve(".checkpoint.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long done = 0;
        while (p.isAlive() && System.nanoTime() < deadline && done < 300) {
            Thread.sleep(20);
            try {
                done = Files.isRegularFile(checkpoint) ? Json.read(checkpoint).path("done").asLong() : 0;
            } catch (IOException e) {
                done = 0; // being renamed
            }
        }
        assertTrue(p.isAlive(), "the run was still going after chunk " + done + ": " + Files.readString(dir.resolve("log.txt")));
        p.destroyForcibly().waitFor();
        assertEquals(List.of("keep.txt"), names(out), "a killed run leaves --out as it was");

        CliHarness resumed = CliHarness.run(withResume(args));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("resumed after"), resumed.err());
        JsonNode s = Json.read(out.resolve("summary.json"));
        long at = s.path("settings").path("resumed_at").asLong();
        assertTrue(at >= 300 && at < 1500 && at % 100 == 0, "resumed at a chunk boundary: " + at);
        assertFalse(Files.exists(dir.resolve(".out.partial")), "the partial run is gone once committed");

        Path fresh = dir.resolve("fresh");
        args[args.length - 1] = fresh.toString();
        assertEquals(0, CliHarness.run(args).code());
        JsonNode f = Json.read(fresh.resolve("summary.json"));
        assertEquals(f.path("attractor_count"), s.path("attractor_count"));
        assertEquals(f.path("iterations"), s.path("iterations"));
        for (String name : List.of("basin.npy", "iterations.npy", "converged.npy")) {
            assertArrayEquals(ints(fresh.resolve(name)), ints(out.resolve(name)), name);
        }
        assertArrayEquals(Npy.read(fresh.resolve("endpoints.npy")).toFloats(), Npy.read(out.resolve("endpoints.npy")).toFloats());
    }

    /** --resume with other settings than the partial run's is refused in one sentence, and the partial run is kept. */
    @Test
    void resumingWithOtherSettingsIsRefused() throws IOException {
        String k2 = model("mnist-mlp-k2.pt").toString();
        Path out = dir.resolve("o");
        Path partial = dir.resolve(".o.partial");
        Files.createDirectories(partial);
        Files.writeString(partial.resolve(".checkpoint.json"), "{\"fingerprint\":\"attractors --samples 5\",\"done\":0}");
        CliHarness.expectFailure("was started with other settings", "attractors", "--model", k2, "--samples", "10", "--out", out.toString(),
                "--resume");
        assertTrue(Files.exists(partial.resolve(".checkpoint.json")));
        assertFalse(Files.exists(out));
    }

    private static String[] withResume(String[] args) {
        String[] r = java.util.Arrays.copyOf(args, args.length + 1);
        r[args.length] = "--resume";
        return r;
    }

    private static List<String> names(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(x -> x.getFileName().toString()).sorted().toList();
        }
    }
}
