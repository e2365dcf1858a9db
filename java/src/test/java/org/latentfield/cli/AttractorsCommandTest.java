package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Npy;
import org.latentfield.data.NpyArray;
import org.latentfield.map.torch.AnalyticMaps;

class AttractorsCommandTest {
    @TempDir
    Path dir;

    @Test
    void minesPlantedAttractorsAndWritesEveryFile() throws Exception {
        Path model = AnalyticMaps.plantedFile(dir, plantedCenters(), 6, 3, 0.5, 0.7);
        Path out = dir.resolve("run");
        CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--from", "uniform:-4:4", "--samples", "500",
                "--seed", "7", "--tol", "1e-10", "--record-every", "5", "--max-iter", "200", "--out", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(s, new ObjectMapper().readTree(r.out()), "--json prints summary.json");
        assertEquals(6, s.get("attractor_count").asInt());
        assertEquals(500, s.get("converged").asInt());
        assertEquals(0, s.get("not_converged").asInt());
        assertEquals(0, s.get("diverged").asInt());
        assertEquals(3, s.get("model").get("latent_dim").asInt());
        assertEquals(64, s.get("model").get("sha256").asText().length());
        assertTrue(s.get("settings").get("merge").asText().startsWith("identity:"), "the identity rule is the default");
        assertEquals("picard", s.get("settings").get("solver").asText());
        assertEquals(0, s.get("fixed_point_kinds").get("saddle").get("count").asInt());
        assertEquals(500, s.get("fixed_point_kinds").get("attractor").get("starts").asInt());
        assertTrue(s.get("rules_agree").asBoolean(), "six well-separated attractors: both rules count six");
        assertTrue(s.get("timing").get("point_iterations_per_second").asDouble() > 0);
        int basins = 0;
        for (JsonNode a : s.get("attractors")) {
            basins += a.get("basin_size").asInt();
            assertEquals(3, a.get("point").size());
        }
        assertEquals(500, basins);
        assertShape(out.resolve("starts.npy"), "<f4", 500, 3);
        assertShape(out.resolve("endpoints.npy"), "<f4", 500, 3);
        assertShape(out.resolve("iterations.npy"), "<i4", 500);
        assertShape(out.resolve("converged.npy"), "|b1", 500);
        assertShape(out.resolve("attractors.npy"), "<f4", 6, 3);
        assertShape(out.resolve("basin.npy"), "<i4", 500);
        assertShape(out.resolve("trajectories.npy"), "<f4", 500, 41, 3);
        assertShape(out.resolve("evaluations.npy"), "<i4", 500);
        assertShape(out.resolve("residual.npy"), "<f4", 500);
        assertShape(out.resolve("fixed_points.npy"), "<f4", 0, 3);
        assertShape(out.resolve("fixed_point_kind.npy"), "<i4", 0);
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains("staging")), "no staging directory is left behind");
        }
    }

    @Test
    void theIdentityRuleFindsTheLinearContractionsOneFixedPoint() throws Exception {
        float[] a = new float[16];
        double[] diag = {0.9, 0.5, -0.8, 0.3};
        for (int i = 0; i < 4; i++) {
            a[i * 4 + i] = (float) diag[i];
        }
        Path model = org.latentfield.map.torch.TestModels.linear(dir.resolve("linear.pt"), a, 4);
        CliHarness cosine = CliHarness.run("attractors", "--model", model.toString(), "--samples", "300", "--merge", "cosine:0.99", "--out",
                dir.resolve("c").toString());
        assertEquals(0, cosine.code(), cosine.err());
        int split = new ObjectMapper().readTree(dir.resolve("c/summary.json").toFile()).get("attractor_count").asInt();
        assertTrue(split > 1, "the paper's rule splits the origin: " + split);
        CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--samples", "300", "--out", dir.resolve("i").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("i/summary.json").toFile());
        assertEquals(1, s.get("attractor_count").asInt());
        assertEquals(300, s.get("attractors").get(0).get("basin_size").asInt());
        JsonNode polish = s.get("settings").get("polish");
        assertEquals("newton", polish.get("method").asText());
        assertEquals(300, polish.get("reached").asInt());
        assertEquals(split, polish.get("attractor_count_cosine").asInt(), "the paper's count on the same endpoints is recorded");
        assertEquals(split, s.get("attractor_count_by_rule").get("cosine:0.99").asInt());
        assertFalse(s.get("rules_agree").asBoolean());
        assertTrue(s.get("settings").get("merge").asText().startsWith("identity:"));
        for (float v : Npy.read(dir.resolve("i/attractors.npy")).toFloats()) {
            assertTrue(Math.abs(v) < 1e-5, "the polished attractor is the origin: " + v);
        }
        CliHarness.expectFailure("--merge identity takes an optional relative residual in (0, 1)", "attractors", "--model", model.toString(),
                "--merge", "identity:2", "--out", dir.resolve("x").toString());
    }

    @Test
    void aFloat64ModelsPolishedAttractorIsWrittenInFloat64() throws Exception {
        // f(z) = A z in float64 with rho(A) = 0.9: the polished origin is far below float32's stopping residual
        Path model = org.latentfield.map.torch.TestModels.builder().identityDecode().paramDouble("At", new double[] {0.9, 0, 0, -0.5}, 2, 2)
                .latentDim(2).method("def encode(self, x):\n    return torch.mm(x, self.At)\n").save(dir.resolve("f64.pt"));
        CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--samples", "50", "--merge", "identity", "--out",
                dir.resolve("f64").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("f64/summary.json").toFile());
        assertEquals(1, s.get("attractor_count").asInt());
        assertEquals(1e-9, s.get("settings").get("polish").get("tol").asDouble(), 0, "float64 models polish to 1e-9");
        NpyArray a = Npy.read(dir.resolve("f64/attractors.npy"));
        assertEquals("<f8", a.descr());
        for (double v : a.toDoubles()) {
            assertTrue(Math.abs(v) <= 1e-9 / (1 - 0.9), "within r / (1 - rho) of the origin: the polished point, not the stopped endpoint: " + v);
        }
    }

    @Test
    void startsFromNpyAndEuclideanMerge() throws Exception {
        Path model = AnalyticMaps.plantedFile(dir, plantedCenters(), 6, 3, 0.5, 0.7);
        float[] starts = {2.5f, 0.1f, 0, -2.7f, 0, 0.2f, 2.9f, -0.3f, 0.1f};
        Path npy = dir.resolve("starts.npy");
        Npy.writeFloat32(npy, starts, 3, 3);
        Path out = dir.resolve("from-npy");
        CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--from", npy.toString(), "--merge", "euclidean:0.01",
                "--tol", "1e-10", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("attractors 2"), r.out());
        NpyArray basin = Npy.read(out.resolve("basin.npy"));
        assertEquals(0, basin.data().getInt(0));
        assertEquals(basin.data().getInt(0), basin.data().getInt(8));
    }

    @Test
    void failedRunLeavesAnExistingOutputDirectoryUntouched() throws Exception {
        Path model = AnalyticMaps.plantedFile(dir, plantedCenters(), 6, 3, 0.5, 0.7);
        Path out = dir.resolve("kept");
        assertEquals(0, CliHarness.run("attractors", "--model", model.toString(), "--samples", "50", "--out", out.toString()).code());
        byte[] before = Files.readAllBytes(out.resolve("summary.json"));
        Path bad = dir.resolve("bad.npy");
        Npy.writeFloat32(bad, new float[8], 2, 4);
        CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--from", bad.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.oneSentenceError(), r.err());
        assertTrue(r.err().contains("shape (2, 4)") && r.err().contains("(N, 3)"), r.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(out.resolve("summary.json"))));
    }

    /** Starts from data: latent codes of images, E(x) = x W with W picking 3 pixel sums. */
    @Test
    void startsFromTheLatentCodesOfImages() throws Exception {
        float[] w = new float[784 * 3];
        for (int p = 0; p < 784; p++) {
            w[p * 3 + p % 3] = 1f / 100;
        }
        Path model = org.latentfield.map.torch.TestModels.builder().param("W", w, 784, 3).latentDim(3)
                .method("def encode(self, x):\n    return torch.mm(torch.flatten(x, 1), self.W)\n")
                .method("def decode(self, z):\n    return torch.sigmoid(torch.mm(z, self.W.t())).reshape([-1, 1, 28, 28])\n")
                .save(dir.resolve("pix.pt"));
        Path images = dir.resolve("images.npy");
        float[] px = new float[5 * 784];
        for (int i = 0; i < px.length; i++) {
            px[i] = (i % 7) / 7f;
        }
        Npy.writeFloat32(images, px, 5, 1, 28, 28);
        Path out = dir.resolve("from-data");
        CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--from", "data:" + images, "--samples", "4", "--out",
                out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        float[] starts = Npy.read(out.resolve("starts.npy")).toFloats();
        double expected = 0;
        for (int p = 0; p < 784; p += 3) {
            expected += px[p] / 100.0;
        }
        assertEquals(expected, starts[0], 1e-4, "start 0 is E(x_0)");
        assertEquals(12, starts.length, "the first 4 images");
        CliHarness tooMany = CliHarness.run("attractors", "--model", model.toString(), "--from", "data:" + images, "--samples", "9", "--out",
                out.toString());
        assertEquals(1, tooMany.code());
        assertTrue(tooMany.err().contains("more items than the 5"), tooMany.err());
    }

    static float[] plantedCenters() {
        return AnalyticMaps.OCTAHEDRON_3D;
    }

    private static void assertShape(Path file, String descr, long... shape) {
        NpyArray a = Npy.read(file);
        assertEquals(descr, a.descr(), file.toString());
        assertTrue(java.util.Arrays.equals(shape, a.shape()), file + " has shape " + a.shapeString());
    }
}
