package org.latentfield.map.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.ModelSource;

class TorchScriptAutoencoderTest {
    @TempDir
    Path dir;

    @Test
    void linearMapAppliesAz() throws Exception {
        float[] a = {0.5f, 0.1f, -0.2f, 0.3f};
        Path file = TestModels.linear(dir.resolve("lin.pt"), a, 2);
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(file));
             NativeMatrix in = new NativeMatrix(3, 2); NativeMatrix out = new NativeMatrix(3, 2)) {
            assertEquals(2, map.latentDim());
            assertEquals("module attribute latent_dim", map.contract().latentSource());
            float[] z = {1, 2, -3, 0.5f, 0, 0};
            in.putRows(z, 0, 0, 3);
            map.apply(in, out, 3);
            float[] fz = new float[6];
            out.getRows(0, fz, 0, 3);
            for (int r = 0; r < 3; r++) {
                for (int i = 0; i < 2; i++) {
                    double expected = a[i * 2] * z[r * 2] + a[i * 2 + 1] * z[r * 2 + 1];
                    assertEquals(expected, fz[r * 2 + i], 1e-6);
                }
            }
            assertEquals(4, map.parameterCount());
        }
    }

    /** A row's f(z) is bitwise the same whatever the size of the batch it is evaluated in. */
    @Test
    void evaluationIsBatchInvariant() throws Exception {
        int k = 48;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        float[] w1 = new float[k * 96];
        float[] w2 = new float[96 * k];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) (rng.nextGaussian() / 8);
            w2[i] = (float) (rng.nextGaussian() / 8);
        }
        Path file = TestModels.builder().identityDecode().param("W1", w1, k, 96).param("W2", w2, 96, k).latentDim(k)
                .method("def encode(self, x):\n    return torch.mm(torch.tanh(torch.mm(x, self.W1)), self.W2)\n").save(dir.resolve("mlp.pt"));
        int n = 200;
        float[] z = new float[n * k];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) rng.nextGaussian();
        }
        try (var map = TorchScriptAutoencoder.open(ModelSource.of(file))) {
            assertEquals(ModelSource.DEFAULT_EVAL_BATCH, map.evalBatch());
            float[] all = TestModels.apply(map, z, n);
            for (int m : new int[] {1, 5, 31, 32, 33, 64, 150}) {
                float[] part = TestModels.apply(map, z, m);
                assertTrue(java.util.Arrays.equals(part, java.util.Arrays.copyOf(all, m * k)), "first " + m + " rows differ from the batch of " + n);
            }
        }
    }


    @Test
    void latentDimFromCardOrUser() throws Exception {
        Path file = TestModels.builder().identityDecode()
                .method("def encode(self, x):\n    return 0.5 * x\n").save(dir.resolve("half.pt"));
        LatentfieldException none = assertThrows(LatentfieldException.class, () -> TorchScriptAutoencoder.open(ModelSource.of(file)));
        assertTrue(none.getMessage().contains("--latent-dim"), none.getMessage());
        try (var map = TorchScriptAutoencoder.open(new ModelSource(file, Optional.empty(), Optional.of(org.latentfield.map.Shape.of(5)), "cpu"))) {
            assertEquals(5, map.latentDim());
            assertEquals("--latent-shape/--latent-dim", map.contract().latentSource());
        }
        Files.writeString(dir.resolve("half.json"), "{\"latent_dim\": 7}");
        try (var map = TorchScriptAutoencoder.open(ModelSource.of(file))) {
            assertEquals(7, map.latentDim());
        }
        LatentfieldException clash = assertThrows(LatentfieldException.class,
                () -> TorchScriptAutoencoder.open(new ModelSource(file, Optional.empty(), Optional.of(org.latentfield.map.Shape.of(3)), "cpu")));
        assertTrue(clash.getMessage().contains("does not match"), clash.getMessage());
    }

    @Test
    void encoderDecoderPair() throws Exception {
        Path enc = TestModels.builder().method("def forward(self, x):\n    return x[:, 0:2] * 2.0\n").save(dir.resolve("enc.pt"));
        Path dec = TestModels.builder().method("def forward(self, z):\n    return torch.cat([z, z], 1)\n").save(dir.resolve("dec.pt"));
        try (var map = TorchScriptAutoencoder.open(new ModelSource(enc, Optional.of(dec), Optional.of(org.latentfield.map.Shape.of(2)), "cpu"));
             NativeMatrix in = new NativeMatrix(1, 2); NativeMatrix out = new NativeMatrix(1, 2)) {
            in.putRows(new float[] {1.5f, -1f}, 0, 0, 1);
            map.apply(in, out, 1);
            float[] fz = new float[2];
            out.getRows(0, fz, 0, 1);
            assertEquals(3f, fz[0], 0f);
            assertEquals(-2f, fz[1], 0f);
        }
    }

    @Test
    void wrongLatentDimIsOneSentence() throws Exception {
        Path file = TestModels.linear(dir.resolve("lin3.pt"), new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, 3);
        Path stripped = TestModels.builder().param("At", new float[9], 3, 3).identityDecode()
                .method("def encode(self, x):\n    return torch.mm(x, self.At)\n").save(dir.resolve("noattr.pt"));
        LatentfieldException e = assertThrows(LatentfieldException.class,
                () -> TorchScriptAutoencoder.open(new ModelSource(stripped, Optional.empty(), Optional.of(org.latentfield.map.Shape.of(4)), "cpu")));
        assertTrue(e.getMessage().startsWith("the model") && !e.getMessage().contains("\n"), e.getMessage());
        assertTrue(Files.exists(file));
    }
}
