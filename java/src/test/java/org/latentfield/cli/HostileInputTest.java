package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Npy;
import org.latentfield.map.MemoryBudget;
import org.latentfield.map.torch.AnalyticMaps;
import org.latentfield.map.torch.TestModels;

/**
 * Issue 11's hostile-but-realistic inputs through the CLI: options, resource limits and
 * integrity. Each asserts the exit code, the one sentence, and what was (not) written.
 */
class HostileInputTest {
    @TempDir
    Path dir;
    private Path model;

    @BeforeEach
    void model() throws IOException {
        model = AnalyticMaps.plantedFile(dir, AnalyticMaps.OCTAHEDRON_3D, 6, 3, 0.5, 0.7);
    }

    private static void expectUsage(String mustContain, String... args) {
        CliHarness r = CliHarness.run(args);
        assertEquals(Main.USAGE, r.code(), r.err());
        assertTrue(r.oneSentenceError(), r.err());
        assertTrue(r.err().contains(mustContain), r.err());
    }

    @Test
    void optionsOutOfRangeAreUsageErrors() {
        String out = dir.resolve("o").toString();
        expectUsage("--threads must be a positive integer", "attractors", "--model", model.toString(), "--threads", "0", "--out", out);
        expectUsage("--eval-batch 1000000 is larger than the batch of 1024 rows", "attractors", "--model", model.toString(), "--eval-batch",
                "1000000", "--samples", "64", "--out", out);
        expectUsage("--eval-batch 300 is larger than the batch of 256 rows", "attractors", "--model", model.toString(), "--eval-batch",
                "300", "--batch", "256", "--out", out);
        expectUsage("--model is empty", "memorization", "--model", "", "--out", out);
        assertFalse(Files.exists(dir.resolve("o")));
    }

    @Test
    void aRecordingLargerThanTheDiskIsRefusedBeforeTheRun() {
        // trajectories stream to disk chunk by chunk (issue 14): the disk, not the heap, bounds them; 2e9 x 3001 x 3 floats are 67 PiB
        CliHarness.expectFailure("the results of 2000000000 starts of dimension 3 with 3001 recorded steps each need", "attractors",
                "--model", model.toString(), "--samples", "2000000000", "--record-every", "1", "--out", dir.resolve("o").toString());
        assertFalse(Files.exists(dir.resolve("o")));
        assertFalse(Files.exists(dir.resolve(".o.partial")));
    }

    @Test
    void theMissingDataMessageNamesOnlyWhatTheCommandTakes() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("no-data"));
        String m = org.junit.jupiter.api.Assertions.assertThrows(org.latentfield.LatentfieldException.class,
                () -> org.latentfield.data.FashionMnist.load(empty, "train")).getMessage();
        assertTrue(m.contains("point the environment variable LATENTFIELD_FASHION_MNIST at a copy; train also takes --data-dir"), m);
    }

    @Test
    void anEmptyModelListEntryIsRefused() {
        CliHarness.expectFailure("--model has an empty entry: ','", "memorization", "--model", ",", "--out", dir.resolve("o").toString());
        CliHarness.expectFailure("--model has an empty entry", "memorization", "--model", model + ",", "--out", dir.resolve("o").toString());
    }

    @Test
    void anNpyHeaderClaimingTwoToTheSixtyTwoRowsIsTruncatedNotAnOverflow() throws Exception {
        Path npy = dir.resolve("huge.npy");
        Files.write(npy, npyHeader("<f4", "(4611686018427387904, 3)", 48));
        for (String command : new String[] {"attractors", "jacobian"}) {
            String opt = command.equals("attractors") ? "--from" : "--at";
            CliHarness.expectFailure("is truncated: its header promises shape (4611686018427387904, 3)", command, "--model",
                    model.toString(), opt, npy.toString(), "--out", dir.resolve(command).toString());
        }
    }

    @Test
    void devicesAndFifosAreNotReadAsFiles() throws Exception {
        Path zero = dir.resolve("zero.npy");
        Files.createSymbolicLink(zero, Path.of("/dev/zero"));
        CliHarness.expectFailure("is not a regular file (a character device)", "attractors", "--model", model.toString(), "--from",
                zero.toString(), "--out", dir.resolve("o").toString());
        Path fifo = dir.resolve("starts.npy");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo is not available");
        CliHarness.expectFailure("is not a regular file (a FIFO, which would block)", "attractors", "--model", model.toString(), "--from",
                fifo.toString(), "--out", dir.resolve("o").toString());
        CliHarness.expectFailure("is not a readable file", "info", "--model", fifo.toString());
    }

    @Test
    void aLatentShapeThatCannotFitIsNamedNotOutOfMemory() throws Exception {
        Assumptions.assumeTrue(MemoryBudget.physicalBytes() < (256L << 30), "this machine could evaluate 256 GiB");
        Path huge = TestModels.builder().identityDecode().latentDim(1 << 30).method("def encode(self, x):\n    return x\n")
                .save(dir.resolve("huge.pt"));
        CliHarness.expectFailure("evaluating items of shape 1073741824 (module attribute latent_dim) 32 at a time needs 256.0 GiB, more than the", "info", "--model",
                huge.toString());
        for (int k : new int[] {0, -3}) {
            Path bad = TestModels.builder().identityDecode().latentDim(k).method("def encode(self, x):\n    return x\n")
                    .save(dir.resolve("bad" + (k == 0 ? "0" : "neg") + ".pt"));
            CliHarness.expectFailure("latent_dim", "info", "--model", bad.toString());
        }
    }

    @Test
    void aModelThatNoLongerMatchesItsCardIsWarnedAbout() throws Exception {
        Files.writeString(dir.resolve("planted.json"), "{\"sha256\": \"" + "ab".repeat(32) + "\"}");
        Path copy = Files.copy(model, dir.resolve("planted.pt"));
        CliHarness r = CliHarness.run("info", "--model", copy.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: model file " + copy + " does not match its card " + dir.resolve("planted.json")), r.err());
        Files.writeString(dir.resolve("planted.json"), "{\"sha256\": \"" + org.latentfield.report.FileDigest.sha256(copy) + "\"}");
        r = CliHarness.run("info", "--model", copy.toString());
        assertFalse(r.err().contains("warning"), r.err());
    }

    @Test
    void jacobianRefusesAnotherModelsRunAndAnotherCommandsDirectory() throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, CliHarness.run("attractors", "--model", model.toString(), "--samples", "60", "--out", run.toString()).code());
        Map<String, String> before = OutputFaultsTest.snapshot(run);
        CliHarness.expectFailure("holds the results of 'latentfield attractors' (summary.json); jacobian would overwrite them", "jacobian",
                "--model", model.toString(), "--at", "attractors:" + run, "--out", run.toString());
        assertEquals(before, OutputFaultsTest.snapshot(run));
        Path other = AnalyticMaps.plantedFile(Files.createDirectory(dir.resolve("other")), AnalyticMaps.OCTAHEDRON_3D, 6, 3, 0.4, 0.7);
        CliHarness.expectFailure("was mined from another model", "jacobian", "--model", other.toString(), "--at", "attractors:" + run,
                "--out", dir.resolve("j").toString());
        CliHarness r = CliHarness.run("jacobian", "--model", model.toString(), "--at", "attractors:" + run, "--out", dir.resolve("j").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("jacobian", new ObjectMapper().readTree(dir.resolve("j/summary.json").toFile()).get("command").asText());
        assertEquals(0, CliHarness.run("jacobian", "--model", model.toString(), "--at", "attractors:" + run, "--out",
                dir.resolve("j").toString()).code(), "a command may replace its own results");
    }

    @Test
    void jsonThatCannotBeWrittenIsAnError() {
        PrintStream closed = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        }, true, StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = Main.run(new String[] {"attractors", "--model", model.toString(), "--samples", "40", "--out", dir.resolve("o").toString(),
                "--json"}, closed, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Main.FAILED, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("the JSON result could not be written to standard output"), err.toString());
        assertTrue(Files.exists(dir.resolve("o/summary.json")), "the results themselves are in --out");
    }

    @Test
    void nonFiniteNumbersAreNullWithTheirCountStated() throws Exception {
        // f(z) = A z with rho(A) = 0.5 but ||A||_2 > 1: the paper's iteration bound is undefined at every start,
        // so its correlation with the observed counts is NaN, which JSON cannot hold
        Path shear = TestModels.linear(dir.resolve("shear.pt"), new float[] {0.5f, 2, 0, 0.5f}, 2);
        Path run = dir.resolve("run");
        assertEquals(0, CliHarness.run("attractors", "--model", shear.toString(), "--samples", "30", "--tol", "1e-8", "--out",
                run.toString()).code());
        CliHarness r = CliHarness.run("jacobian", "--model", shear.toString(), "--at", "attractors:" + run, "--out", dir.resolve("j").toString());
        assertEquals(0, r.code(), r.err());
        String text = Files.readString(dir.resolve("j/summary.json"));
        assertFalse(text.contains("NaN") || text.contains("Infinity"), text);
        JsonNode written = new ObjectMapper().readTree(text);
        assertTrue(written.get("iteration_complexity").get("correlation_norm").isNull(), text);
        assertTrue(written.get("non_finite_as_null").get("fields").toString().contains("/iteration_complexity/correlation_norm"), text);
        assertTrue(Double.isNaN(org.latentfield.report.Json.read(dir.resolve("j/summary.json")).get("iteration_complexity")
                .get("correlation_norm").asDouble()), "read back as NaN, not 0");

        JsonNode n = org.latentfield.report.Json.parse(org.latentfield.report.Json.text(new ObjectMapper().createObjectNode()
                .put("a", 1.0).put("b", Double.NaN).<com.fasterxml.jackson.databind.node.ObjectNode>set("c",
                        new ObjectMapper().createArrayNode().add(Double.POSITIVE_INFINITY).add(2.0))));
        assertTrue(n.get("b").isNull());
        assertTrue(n.get("c").get(0).isNull());
        assertEquals(2.0, n.get("c").get(1).asDouble());
        assertEquals(2, n.get("non_finite_as_null").get("count").asInt());
        assertEquals("[\"/b\",\"/c/0\"]", n.get("non_finite_as_null").get("fields").toString());
    }

    private static byte[] npyHeader(String descr, String shape, int dataBytes) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }
}
