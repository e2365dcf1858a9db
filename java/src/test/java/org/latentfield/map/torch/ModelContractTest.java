package org.latentfield.map.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.LatentfieldException;
import org.latentfield.data.ImageSet;
import org.latentfield.map.ModelContract;
import org.latentfield.map.ModelSource;
import org.latentfield.map.Shape;

/**
 * The model contract on models nobody designed for latentfield: spatial latents, shapes from
 * attributes, cards, the user or the model's own outputs, float64, a VAE, a pair with a card next
 * to its decoder, training-mode exports, and PyTorch's own error messages.
 */
class ModelContractTest {
    @TempDir
    Path dir;

    /** x: N x 3 x 4 x 4 -> z = 0.5 (x[:, 0:2])^T per channel (N x 2 x 4 x 4); decode repeats channel 0. So f(z) = 0.5 z^T. */
    private TestModels.Builder transposing() {
        return TestModels.builder()
                .method("def encode(self, x):\n    return 0.5 * x[:, 0:2, :, :].transpose(2, 3)\n")
                .method("def decode(self, z):\n    return torch.cat([z, z[:, 0:1, :, :]], 1)\n");
    }


    @Test
    void spatialLatentIsAFlatRowInCOrder() throws Exception {
        Path file = transposing().intList("input_shape", 3, 4, 4).save(dir.resolve("spatial.pt"));
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(file))) {
            ModelContract c = map.contract();
            assertEquals(Shape.of(3, 4, 4), c.input());
            assertEquals("module attribute input_shape", c.inputSource());
            assertEquals(Shape.of(2, 4, 4), c.latent());
            assertEquals("encode output", c.latentSource());
            assertEquals(32, map.latentDim());
            assertEquals(Shape.of(3, 4, 4), c.decoded());
            float[] z = new float[3 * 32];
            for (int i = 0; i < z.length; i++) {
                z[i] = i * 0.25f - 3;
            }
            float[] fz = TestModels.apply(map, z, 3);
            for (int r = 0; r < 3; r++) {
                for (int ch = 0; ch < 2; ch++) {
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 4; j++) {
                            assertEquals(0.5f * z[r * 32 + ch * 16 + j * 4 + i], fz[r * 32 + ch * 16 + i * 4 + j], 0f, "row " + r);
                        }
                    }
                }
            }
            ImageSet images = new ImageSet("x", 2, 3, 4, 4, new float[2 * 48], null);
            images.pixels()[48 + 16 + 4 * 1 + 2] = 1f; // item 1, channel 1, (y 1, x 2)
            float[] codes = map.encode(images, new int[] {0, 1});
            assertEquals(0.5f, codes[32 + 16 + 2 * 4 + 1], 0f, "encode output flattened in C order, transposed by the model");
        }
    }

    @Test
    void shapesFromACardFromDecodeAndFromLatentDim() throws Exception {
        Path file = transposing().save(dir.resolve("card.pt"));
        Files.writeString(dir.resolve("card.json"), "{\"latent_shape\": [2, 4, 4]}");
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(file))) {
            assertEquals(Shape.of(3, 4, 4), map.contract().input());
            assertEquals("decode output", map.contract().inputSource());
            assertTrue(map.contract().latentSource().contains("card.json"), map.contract().latentSource());
        }
        Path counted = transposing().intList("input_shape", 3, 4, 4).latentDim(32).save(dir.resolve("counted.pt"));
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(counted))) {
            assertEquals(Shape.of(2, 4, 4), map.contract().latent(), "latent_dim fixes the count, encode the arrangement");
            assertEquals("module attribute latent_dim", map.contract().latentSource());
        }
        Path bare = transposing().save(dir.resolve("bare.pt"));
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(bare).withInputShape(Shape.of(3, 4, 4)))) {
            assertEquals("--input-shape", map.contract().inputSource());
            assertEquals(Shape.of(2, 4, 4), map.contract().latent());
        }
        LatentfieldException none = assertThrows(LatentfieldException.class, () -> TorchScriptAutoencoder.open(ModelSource.of(bare)));
        assertTrue(none.getMessage().contains("--latent-shape") && none.getMessage().contains("--input-shape"), none.getMessage());
    }

    @Test
    void contradictionsNameBothClaims() throws Exception {
        Path file = transposing().intList("input_shape", 3, 4, 4).save(dir.resolve("wrong.pt"));
        Files.writeString(dir.resolve("wrong.json"), "{\"latent_shape\": [4, 4, 2]}");
        LatentfieldException e = assertThrows(LatentfieldException.class, () -> TorchScriptAutoencoder.open(ModelSource.of(file)));
        assertTrue(e.getMessage().contains("2 x 4 x 4") && e.getMessage().contains("4 x 4 x 2") && e.getMessage().contains("wrong.json"),
                e.getMessage());
        Files.writeString(dir.resolve("wrong.json"), "{\"input_shape\": [3, 8, 8]}");
        LatentfieldException twice = assertThrows(LatentfieldException.class, () -> TorchScriptAutoencoder.open(ModelSource.of(file)));
        assertTrue(twice.getMessage().contains("module attribute input_shape says 3 x 4 x 4") && twice.getMessage().contains("3 x 8 x 8"),
                twice.getMessage());
    }

    @Test
    void float64ModelsComputeInFloat64() throws Exception {
        double[] a = {0.5, 0.25, -0.125, 0.3};
        double[] at = {a[0], a[2], a[1], a[3]};
        Path file = TestModels.builder().identityDecode().paramDouble("At", at, 2, 2).latentDim(2)
                .method("def encode(self, x):\n    return torch.mm(x, self.At)\n").save(dir.resolve("f64.pt"));
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(file))) {
            assertEquals("float64", map.contract().dtype());
            assertEquals("float64", map.contract().iterationDtype());
            float[] z = {1.5f, -2.25f};
            float[] fz = TestModels.apply(map, z, 1);
            assertEquals((float) (a[0] * 1.5 + a[1] * -2.25), fz[0], 0f);
            assertEquals((float) (a[2] * 1.5 + a[3] * -2.25), fz[1], 0f);
            double[] f64 = new double[2];
            map.apply64(new double[] {1.5, -2.25}, f64, 1);
            assertEquals(a[0] * 1.5 + a[1] * -2.25, f64[0], 1e-15);
            // iterated in float64: z* = 0 for this contraction; the endpoint is the float64 iterate
            var run = org.latentfield.dynamics.FixedPointSolver.solve(map, new org.latentfield.data.Points(1, 2, z),
                    org.latentfield.dynamics.FixedPointSolver.Options.defaults());
            assertEquals("float64", run.iterationDtype());
            double x = 1.5, y = -2.25;
            for (int t = 0; t < run.iterations()[0]; t++) {
                double nx = a[0] * x + a[1] * y, ny = a[2] * x + a[3] * y;
                x = nx;
                y = ny;
            }
            assertEquals(x, run.endpoints64()[0], 1e-15);
            assertEquals(y, run.endpoints64()[1], 1e-15);
        }
    }

    @Test
    void vaeEncodeUsesTheMean() throws Exception {
        Path file = TestModels.builder().identityDecode().latentDim(3)
                .method("def encode(self, x):\n    return (0.5 * x, torch.ones_like(x))\n").save(dir.resolve("vae.pt"));
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(file))) {
            assertTrue(map.contract().encodeOutput().startsWith("tuple of 2"), map.contract().encodeOutput());
            float[] fz = TestModels.apply(map, new float[] {2, -4, 6}, 1);
            assertEquals(1f, fz[0], 0f);
            assertEquals(-2f, fz[1], 0f);
            assertEquals(3f, fz[2], 0f);
        }
    }

    @Test
    void aPairReadsTheCardNextToItsDecoder() throws Exception {
        Path enc = TestModels.builder().method("def forward(self, x):\n    return x[:, 0:2] * 2.0\n").save(dir.resolve("enc.pt"));
        Path dec = TestModels.builder().method("def forward(self, z):\n    return torch.cat([z, z], 1)\n").save(dir.resolve("dec.pt"));
        Files.writeString(dir.resolve("dec.json"), "{\"latent_dim\": 2}");
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(new ModelSource(enc, Optional.of(dec), Optional.empty(), "cpu"))) {
            assertEquals(2, map.latentDim());
            assertTrue(map.contract().latentSource().contains("dec.json"), map.contract().latentSource());
            assertEquals(Shape.of(4), map.contract().input());
            assertEquals(-4f, TestModels.apply(map, new float[] {1, -2}, 1)[1], 0f);
        }
    }

    @Test
    void aScriptedTrainingModeModuleRunsInEvalModeAndSaysSo() throws Exception {
        Path file = TestModels.builder().identityDecode().latentDim(4)
                .method("def encode(self, x):\n    return torch.dropout(x, 0.5, self.training)\n").save(dir.resolve("scripted.pt"));
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(file))) {
            assertEquals("training", map.contract().savedMode());
            assertTrue(modelNotes(map).get(0).contains("saved in training mode"), map.contract().notes().toString());
            assertTrue(map.contract().determinism().startsWith("deterministic"), map.contract().determinism());
            assertEquals(3f, TestModels.apply(map, new float[] {3, 1, 2, 4}, 1)[0], 0f, "Dropout is off in eval mode");
        }
        Path evalSaved = TestModels.builder().identityDecode().latentDim(4).eval()
                .method("def encode(self, x):\n    return torch.dropout(x, 0.5, self.training)\n").save(dir.resolve("eval.pt"));
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(evalSaved))) {
            assertEquals("eval", map.contract().savedMode());
            assertTrue(modelNotes(map).isEmpty(), map.contract().notes().toString());
        }
    }

    @Test
    void bakedDropoutOrBatchStatisticsAreRefusedWithTheFix() throws Exception {
        Path dropout = TestModels.builder().identityDecode().latentDim(16)
                .method("def encode(self, x):\n    return torch.dropout(x, 0.5, True)\n").save(dir.resolve("dropout.pt"));
        LatentfieldException d = assertThrows(LatentfieldException.class, () -> TorchScriptAutoencoder.open(ModelSource.of(dropout)));
        assertTrue(d.getMessage().contains("is not deterministic") && d.getMessage().contains("changes by")
                && d.getMessage().contains("aten::dropout") && d.getMessage().contains("model.eval() before torch.jit.trace"), d.getMessage());
        assertFalse(d.getMessage().contains("\n"), d.getMessage());
        Path batchNorm = TestModels.builder().identityDecode().latentDim(6)
                .method("def encode(self, x):\n    return torch.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False)\n")
                .save(dir.resolve("bn.pt"));
        LatentfieldException b = assertThrows(LatentfieldException.class, () -> TorchScriptAutoencoder.open(ModelSource.of(batchNorm)));
        assertTrue(b.getMessage().contains("is not deterministic") && b.getMessage().contains("alone")
                && b.getMessage().contains("aten::batch_norm") && b.getMessage().contains("saved in training mode"), b.getMessage());
    }

    @Test
    void theInterpretersErrorKeepsPyTorchsCause() throws Exception {
        Path file = TestModels.builder().param("W", new float[4 * 9], 4, 1, 3, 3).latentDim(4)
                .method("def encode(self, x):\n    return x\n")
                .method("def decode(self, z):\n    return torch.conv_transpose2d(z, self.W)\n").save(dir.resolve("conv.pt"));
        LatentfieldException e = assertThrows(LatentfieldException.class, () -> TorchScriptAutoencoder.open(ModelSource.of(file)));
        assertTrue(e.getMessage().contains("conv_transpose2d") && e.getMessage().contains("2 x 4 float32")
                && !e.getMessage().contains("TorchScript interpreter") && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void causeOfAnInterpreterTrace() {
        String trace = "The following operation failed in the TorchScript interpreter.\nTraceback of TorchScript (most recent call last):\n"
                + "  File \"code/__torch__.py\", line 9, in decode\n    _0 = torch.conv_transpose2d(z, W)\n"
                + "RuntimeError: Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: [2, 256]\n";
        assertEquals("Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: [2, 256]",
                TorchErrors.cause(new RuntimeException(trace)));
        assertEquals("shape mismatch", TorchErrors.cause(new RuntimeException("shape mismatch.\nException raised from foo at bar.cpp:1")));
    }

    @Test
    void dataMustFitTheInputShape() {
        ModelContract c = new ModelContract(dir.resolve("m.pt"), Optional.empty(), Shape.of(3, 8, 8), "module attribute input_shape",
                Shape.of(4), "encode output", Shape.of(3, 8, 8), "tensor", "float32", "float32", "eval", "deterministic", 0, "cpu",
                java.util.List.of());
        assertTrue(c.checkData(new ImageSet("colour", 1, 3, 8, 8, new float[192], null)).isEmpty());
        assertTrue(c.checkData(new ImageSet("flat", 1, new int[] {192}, new float[192], null)).orElseThrow().contains("C-order"));
        LatentfieldException e = assertThrows(LatentfieldException.class,
                () -> c.checkData(new ImageSet("fashion-mnist:test", 1, 1, 28, 28, new float[784], null)));
        assertTrue(e.getMessage().contains("1 x 28 x 28") && e.getMessage().contains("3 x 8 x 8") && e.getMessage().contains("does not resize"),
                e.getMessage());
        assertThrows(LatentfieldException.class, () -> c.checkData(new ImageSet("grey", 1, 3, 4, 16, new float[192], null)),
                "same size, different image shape: a layout question, refused");
        ModelContract sequence = new ModelContract(dir.resolve("s.pt"), Optional.empty(), Shape.of(5, 7), "--input-shape",
                Shape.of(4), "encode output", Shape.of(5, 7), "tensor", "float32", "float32", "eval", "deterministic", 0, "cpu",
                java.util.List.of());
        assertTrue(sequence.checkData(new ImageSet("seq.npy", 1, 1, 5, 7, new float[35], null)).orElseThrow().contains("C-order"),
                "a (N, T, D) file is read as one-channel items; dropping the 1 gives T x D");
        assertThrows(LatentfieldException.class, () -> sequence.checkData(new ImageSet("t", 1, new int[] {7, 5}, new float[35], null)),
                "a transpose is not a view");
    }

    /** The contract's notes about the model itself: without the engine's (oneDNN on this CPU), which every contract carries there. */
    private static java.util.List<String> modelNotes(TorchScriptAutoencoder map) {
        return map.contract().notes().stream().filter(n -> !n.startsWith(TorchBackends.NOTE_PREFIX)).toList();
    }
}
