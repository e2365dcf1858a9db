package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.PythonPeer;
import org.latentfield.data.Npy;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.TorchScriptAutoencoder;

/**
 * Autoencoders exported by a PyTorch user (test resource interop/user_models.py), run through
 * every command with no wrapper: a colour model with a spatial latent (parity with a PyTorch
 * Picard loop, and every analysis), traced modules in train and eval mode, a flat-input MLP,
 * float64, a VAE and an encoder/decoder pair. Skipped, saying so, without python3-torch.
 */
class UserModelsTest {
    private static final PythonPeer PYTHON = PythonPeer.find("torch, numpy");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path models;

    @TempDir
    Path dir;

    @BeforeAll
    static void export() throws Exception {
        if (!PYTHON.available()) {
            return;
        }
        for (String kind : new String[] {"colour", "traced-train", "traced", "flat", "float64", "vae", "pair", "convmix"}) {
            String line = PYTHON.run(models, "/interop/user_models.py", kind, models.toString());
            assertTrue(line.startsWith("exported"), line);
        }
        colourImages(models.resolve("colour_set.npy"), 1500, 7);
    }

    /** n tinted 3 x 16 x 16 ramps like the model's training images, seeded. */
    private static void colourImages(Path file, int n, long seed) throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] px = new float[n * 3 * 256];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                double base = rng.nextDouble(), tint = rng.nextDouble();
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        px[((i * 3 + c) * 16 + y) * 16 + x] = (float) Math.min(1, 0.6 * base + 0.4 * tint * (x / 15.0) * (y / 15.0));
                    }
                }
            }
        }
        Npy.writeFloat32(file, px, n, 3, 16, 16);
    }

    private static JsonNode summary(Path out) throws Exception {
        return JSON.readTree(out.resolve("summary.json").toFile());
    }

    private static String m(String name) {
        return models.resolve(name).toString();
    }

    private CliHarness ok(String... args) {
        CliHarness r = CliHarness.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.err());
        return r;
    }

    @Test
    void colourSpatialModelMatchesAPyTorchLoop() throws Exception {
        PYTHON.require("python3-torch");
        Path out = dir.resolve("a");
        ok("attractors", "--model", m("colour.pt"), "--from", m("starts.npy"), "--out", out.toString());
        JsonNode model = summary(out).get("model");
        assertEquals("[3,16,16]", model.get("input_shape").toString());
        assertEquals("[4,4,4]", model.get("latent_shape").toString());
        assertEquals("module attribute latent_shape", model.get("latent_shape_source").asText());
        assertEquals("eval", model.get("saved_mode").asText());
        assertTrue(summary(out).get("settings").get("engine").asText().startsWith("native cpu: 4 x 4 x 4 -> "),
                "the run below is liblf's network engine against PyTorch's own loop: " + summary(out).get("settings").get("engine"));
        float[] ours = Npy.read(out.resolve("endpoints.npy")).toFloats();
        float[] theirs = Npy.read(models.resolve("endpoints_torch.npy")).toFloats();
        int[] ourIterations = Npy.read(out.resolve("iterations.npy")).toInts();
        int[] theirIterations = Npy.read(models.resolve("iterations_torch.npy")).toInts();
        double diff = 0, scale = 1;
        for (int i = 0; i < ours.length; i++) {
            diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
            scale = Math.max(scale, Math.abs(theirs[i]));
        }
        assertTrue(diff <= 1e-4 * scale, "endpoints differ from PyTorch's by " + diff + " (scale " + scale + ")");
        int same = 0;
        for (int i = 0; i < ourIterations.length; i++) {
            assertTrue(Math.abs(ourIterations[i] - theirIterations[i]) <= 1, "point " + i + ": " + ourIterations[i] + " vs " + theirIterations[i]);
            same += ourIterations[i] == theirIterations[i] ? 1 : 0;
        }
        assertTrue(same >= ourIterations.length * 9 / 10, same + " of " + ourIterations.length + " iteration counts equal");
    }

    @Test
    void everyAnalysisRunsOnTheColourSpatialModel() throws Exception {
        PYTHON.require("python3-torch");
        String colour = m("colour.pt"), images = m("images.npy"), set = m("colour_set.npy");
        Path a = dir.resolve("attractors");
        ok("attractors", "--model", colour, "--from", "data:" + images, "--samples", "32", "--shuffle", "--out", a.toString());
        assertTrue(summary(a).get("converged").asInt() > 0);
        assertEquals(32, Npy.read(a.resolve("items.npy")).toInts().length, "the items drawn are written");

        Path field = dir.resolve("field");
        ok("field", "--model", colour, "--plane", "pca", "--data", images, "--grid", "6", "--samples", "64", "--out", field.toString());
        float[] origin = Npy.read(field.resolve("plane_origin.npy")).toFloats();
        float[] basis = Npy.read(field.resolve("plane_basis.npy")).toFloats();
        double[] grid = Npy.read(field.resolve("grid.npy")).toDoubles();
        float[] v = Npy.read(field.resolve("field.npy")).toFloats();
        assertEquals(64, origin.length);
        assertEquals(128, basis.length);
        int k = 64, p = 20;
        float[] z = new float[k];
        for (int j = 0; j < k; j++) {
            z[j] = (float) (origin[j] + grid[2 * p] * basis[j] + grid[2 * p + 1] * basis[k + j]);
        }
        float[] fz = new float[k];
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(Path.of(colour)));
             NativeMatrix in = new NativeMatrix(1, k); NativeMatrix outRow = new NativeMatrix(1, k)) {
            in.putRows(z, 0, 0, 1);
            map.apply(in, outRow, 1);
            outRow.getRows(0, fz, 0, 1);
        }
        for (int j = 0; j < k; j++) {
            assertEquals(fz[j] - z[j], v[p * k + j], 1e-4, "grid point " + p + " maps back through the plane");
        }
        ok("field", "--model", colour, "--plane", "attractors", "--grid", "5", "--samples", "48", "--out", dir.resolve("field2").toString());

        Path mem = dir.resolve("mem");
        ok("memorization", "--model", colour, "--train", images, "--test", set, "--samples", "48", "--out", mem.toString());
        double coefficient = summary(mem).get("models").get(0).get("memorization_mean").asDouble();
        assertTrue(coefficient >= 0 && coefficient <= 1, "memorization coefficient " + coefficient);
        assertTrue(Files.size(mem.resolve("attractors.png")) > 1000);

        Path probe = dir.resolve("probe");
        ok("probe", "--model", colour, "--data", set, "--train", images, "--samples", "16", "--atoms", "8,64", "--dictionary-size", "48",
                "--out", probe.toString());
        JsonNode ps = summary(probe);
        double full = ps.get("baseline_reference_mse").asDouble();
        JsonNode atK = ps.get("levels").get(1);
        assertEquals(64, atK.get("atoms").asInt());
        assertEquals(full, atK.get("random_orthonormal_basis").asDouble(), 1e-4 * (1 + full), "s = k reconstructs the full code");

        Path ood = dir.resolve("ood");
        ok("ood", "--model", colour, "--train", images, "--id", set, "--ood", set, "--samples", "1000", "--train-samples", "64",
                "--knn-k", "1,10", "--out", ood.toString());
        JsonNode results = summary(ood).get("results");
        for (String method : new String[] {"trajectory", "knn_k10", "mahalanobis", "reconstruction_mse"}) {
            double auroc = results.get(method).get(set).get("auroc").asDouble();
            assertEquals(0.5, auroc, 0.05, method + ": a set against itself");
        }
        assertEquals(2000, Npy.read(ood.resolve("items.npy")).toInts().length);

        Path jac = dir.resolve("jac");
        ok("jacobian", "--model", colour, "--at", "attractors:" + a, "--out", jac.toString());
        assertEquals(summary(a).get("attractor_count").asInt(), summary(jac).get("count").asInt());

        Path series = Files.createDirectories(dir.resolve("series"));
        Files.copy(Path.of(colour), series.resolve("epoch-0001.pt"));
        Files.copy(Path.of(colour), series.resolve("epoch-0002.pt"));
        Path dyn = dir.resolve("dyn");
        ok("dynamics", "--checkpoints", series.toString(), "--train", images, "--test", set, "--samples", "24", "--max-iter", "800",
                "--out", dyn.toString());
        JsonNode rows = summary(dyn).get("series");
        assertEquals(2, rows.size());
        assertEquals(rows.get(0).get("attractors_train").asInt(), rows.get(1).get("attractors_train").asInt(), "same model, same counts");

        CliHarness info = ok("info", "--model", colour, "--json");
        JsonNode i = JSON.readTree(info.out());
        assertEquals("[4,4,4]", i.get("latent_shape").toString());
        // a PyTorch user's conv autoencoder with a 4 x 4 x 4 latent reads as a chain for liblf's network engine (issue 13)
        assertTrue(i.get("native_engine").get("eligible").asBoolean(), i.get("native_engine").toString());
        assertEquals("network", i.get("native_engine").get("engine").asText());
        assertTrue(i.get("native_engine").get("layers").asText().startsWith("4 x 4 x 4 -> "), i.get("native_engine").toString());
        assertTrue(i.get("engine").asText().startsWith("native cpu: 4 x 4 x 4 -> "), i.get("engine").asText());
        assertTrue(i.get("self_test").get("passed").asBoolean());
    }

    @Test
    void dataOfAnotherShapeIsRefusedAndNothingIsWritten() throws Exception {
        PYTHON.require("python3-torch");
        Path grey = dir.resolve("grey.npy");
        Npy.writeFloat32(grey, new float[4 * 784], 4, 1, 28, 28);
        Path out = dir.resolve("never");
        CliHarness.expectFailure("takes inputs of 3 x 16 x 16", "attractors", "--model", m("colour.pt"), "--from", "data:" + grey,
                "--samples", "4", "--out", out.toString());
        assertFalse(Files.exists(out), "nothing written");
        CliHarness.expectFailure("1 x 28 x 28", "ood", "--model", m("colour.pt"), "--train", grey.toString(), "--id", m("images.npy"),
                "--ood", m("images.npy"), "--out", out.toString());
        assertFalse(Files.exists(out), "nothing written");
    }

    /**
     * A traced conv autoencoder with LeakyReLU, SiLU, tanh, a stride-1 convolution and a kernel-2
     * transposed convolution (aten::_convolution in its graphs) runs on liblf's network engine and
     * follows PyTorch's own Picard loop from 40 starts: the same states, iteration counts within
     * one step (39 of 40 equal when measured), endpoints within 2e-4 (1 + max |z|) where both
     * converged at the same step (measured 3.2e-4 at max |z| 2.9: these attractors have rho near 1
     * and take about 300 steps). The 8 starts that reach the cap on a slow orbit are compared by
     * state only.
     */
    @Test
    void aTracedConvModelWithOtherLayersRunsOnTheNetworkEngineAsInPyTorch() throws Exception {
        PYTHON.require("python3-torch");
        JsonNode info = JSON.readTree(ok("info", "--model", m("convmix.pt"), "--input-shape", "1,8,8", "--json").out());
        assertEquals("network", info.get("native_engine").get("engine").asText(), info.get("native_engine").toString());
        Path out = dir.resolve("convmix");
        ok("attractors", "--model", m("convmix.pt"), "--input-shape", "1,8,8", "--from", m("convmix_starts.npy"), "--engine", "native",
                "--out", out.toString());
        assertTrue(summary(out).get("settings").get("engine").asText().startsWith("native cpu: 6 -> linear 128, conv_transpose2d"),
                summary(out).get("settings").get("engine").asText());
        int[] ours = Npy.read(out.resolve("iterations.npy")).toInts();
        int[] theirs = Npy.read(models.resolve("convmix_iterations_torch.npy")).toInts();
        float[] e = Npy.read(out.resolve("endpoints.npy")).toFloats(), t = Npy.read(models.resolve("convmix_endpoints_torch.npy")).toFloats();
        int k = 6, equal = 0;
        double scale = 0, diff = 0;
        for (float v : t) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int p = 0; p < ours.length; p++) {
            assertEquals(theirs[p] >= 3000, ours[p] >= 3000, "start " + p + " reaches the cap on both sides or on neither");
            assertTrue(Math.abs(ours[p] - theirs[p]) <= 1, "start " + p + ": " + ours[p] + " vs " + theirs[p] + " iterations");
            if (ours[p] == theirs[p]) {
                equal++;
                for (int j = 0; ours[p] < 3000 && j < k; j++) {
                    diff = Math.max(diff, Math.abs(e[p * k + j] - t[p * k + j]));
                }
            }
        }
        assertTrue(equal >= ours.length * 9 / 10, equal + " of " + ours.length + " iteration counts equal");
        assertTrue(diff <= 2e-4 * (1 + scale), "endpoints differ from PyTorch's by " + diff + " (max |z| " + scale + ")");
    }

    @Test
    void tracedModules() throws Exception {
        PYTHON.require("python3-torch");
        CliHarness train = CliHarness.run("info", "--model", m("traced_train.pt"), "--latent-dim", "6");
        assertEquals(Main.FAILED, train.code(), train.err());
        assertTrue(train.oneSentenceError() && train.err().contains("not deterministic") && train.err().contains("saved in training mode")
                && train.err().contains("model.eval() before torch.jit.trace"), train.err());

        CliHarness bare = CliHarness.run("info", "--model", m("traced.pt"));
        assertEquals(Main.FAILED, bare.code(), bare.err());
        assertTrue(bare.err().contains("--input-shape"), "a trace keeps no attributes: " + bare.err());
        JsonNode traced = JSON.readTree(ok("info", "--model", m("traced.pt"), "--input-shape", "1,8,8", "--json").out());
        assertEquals("[6]", traced.get("latent_shape").toString());
        assertEquals("encode output", traced.get("latent_shape_source").asText());
        assertTrue(traced.get("determinism").asText().startsWith("deterministic"));
        JsonNode wrapped = JSON.readTree(ok("info", "--model", m("wrapped.pt"), "--json").out());
        assertEquals("module attribute input_shape", wrapped.get("input_shape_source").asText());
        assertEquals(6, wrapped.get("latent_dim").asInt());
    }

    @Test
    void flatInputFloat64VaeAndPair() throws Exception {
        PYTHON.require("python3-torch");
        Path images = dir.resolve("images.npy");
        float[] px = new float[40 * 784];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) rng.nextDouble();
        }
        Npy.writeFloat32(images, px, 40, 1, 28, 28);
        Path flat = dir.resolve("flat");
        CliHarness r = ok("attractors", "--model", m("flat.pt"), "--from", "data:" + images, "--samples", "20", "--out", flat.toString());
        assertTrue(r.err().contains("are fed as 784"), "the C-order view is noted: " + r.err());
        assertEquals("[784]", summary(flat).get("model").get("input_shape").toString());
        assertEquals("decode output", summary(flat).get("model").get("input_shape_source").asText());

        JsonNode f64 = JSON.readTree(ok("info", "--model", m("float64.pt"), "--json").out());
        assertEquals("float64", f64.get("dtype").asText());
        assertTrue(f64.get("native_engine").get("reason").asText().contains("computes in float64"), "the float32 engine refuses it");
        float[] z = Npy.read(models.resolve("z64.npy")).toFloats();
        double[] expected = Npy.read(models.resolve("fz64.npy")).toDoubles();
        float[] fz = new float[z.length];
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(models.resolve("float64.pt")));
             NativeMatrix in = new NativeMatrix(16, 8); NativeMatrix out = new NativeMatrix(16, 8)) {
            in.putRows(z, 0, 0, 16);
            map.apply(in, out, 16);
            out.getRows(0, fz, 0, 16);
        }
        for (int i = 0; i < fz.length; i++) {
            assertEquals(expected[i], fz[i], 1e-6 * (1 + Math.abs(expected[i])), "float64 f(z), rounded to float32 once");
        }
        Path starts = dir.resolve("starts8.npy");
        Npy.writeFloat32(starts, org.latentfield.data.StartPoints.gaussian(40, 8, 2.0, 5).data(), 40, 8);
        Path f64run = dir.resolve("f64run");
        ok("attractors", "--model", m("float64.pt"), "--from", starts.toString(), "--out", f64run.toString());
        assertEquals("float64", summary(f64run).get("model").get("iteration_dtype").asText());
        assertEquals("<f8", Npy.read(f64run.resolve("endpoints.npy")).descr(), "float64 endpoints");
        assertTrue(PYTHON.run(dir, "/interop/user_models.py", "iterate", m("float64.pt"), starts.toString(), "1e-6", "3000",
                dir.resolve("torch64").toString()).endsWith("float64"));
        double[] ours = Npy.read(f64run.resolve("endpoints.npy")).toDoubles();
        double[] theirs = Npy.read(dir.resolve("torch64_endpoints.npy")).toDoubles();
        double worst = 0;
        for (int i = 0; i < ours.length; i++) {
            worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
        }
        assertTrue(worst <= 1e-9, "float64 endpoints differ from a float64 PyTorch loop by " + worst);
        assertEquals(java.util.Arrays.toString(Npy.read(dir.resolve("torch64_iterations.npy")).toInts()),
                java.util.Arrays.toString(Npy.read(f64run.resolve("iterations.npy")).toInts()));

        Path vae = dir.resolve("vae");
        ok("attractors", "--model", m("vae.pt"), "--samples", "50", "--out", vae.toString());
        assertTrue(summary(vae).get("model").get("encode_output").asText().startsWith("tuple of 2"));
        assertTrue(summary(vae).get("converged").asInt() > 0);

        Path pair = dir.resolve("pair");
        ok("attractors", "--model", m("encoder.pt"), "--decoder", m("decoder.pt"), "--latent-dim", "4", "--samples", "50", "--out", pair.toString());
        JsonNode pm = summary(pair).get("model");
        assertEquals("[1,8,8]", pm.get("input_shape").toString());
        assertEquals(64, pm.get("decoder_sha256").asText().length());
    }
}
