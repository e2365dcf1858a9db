package org.latentfield.map.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
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
            assertEquals("module attribute latent_dim", map.latentDimSource());
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

    @Test
    void latentDimFromCardOrUser() throws Exception {
        Path file = TestModels.builder().identityDecode()
                .method("def encode(self, x):\n    return 0.5 * x\n").save(dir.resolve("half.pt"));
        LatentfieldException none = assertThrows(LatentfieldException.class, () -> TorchScriptAutoencoder.open(ModelSource.of(file)));
        assertTrue(none.getMessage().contains("--latent-dim"), none.getMessage());
        try (var map = TorchScriptAutoencoder.open(new ModelSource(file, Optional.empty(), OptionalInt.of(5), "cpu"))) {
            assertEquals(5, map.latentDim());
            assertEquals("--latent-dim", map.latentDimSource());
        }
        Files.writeString(dir.resolve("half.json"), "{\"latent_dim\": 7}");
        try (var map = TorchScriptAutoencoder.open(ModelSource.of(file))) {
            assertEquals(7, map.latentDim());
        }
        LatentfieldException clash = assertThrows(LatentfieldException.class,
                () -> TorchScriptAutoencoder.open(new ModelSource(file, Optional.empty(), OptionalInt.of(3), "cpu")));
        assertTrue(clash.getMessage().contains("does not match"), clash.getMessage());
    }

    @Test
    void encoderDecoderPair() throws Exception {
        Path enc = TestModels.builder().method("def forward(self, x):\n    return x[:, 0:2] * 2.0\n").save(dir.resolve("enc.pt"));
        Path dec = TestModels.builder().method("def forward(self, z):\n    return torch.cat([z, z], 1)\n").save(dir.resolve("dec.pt"));
        try (var map = TorchScriptAutoencoder.open(new ModelSource(enc, Optional.of(dec), OptionalInt.of(2), "cpu"));
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
                () -> TorchScriptAutoencoder.open(new ModelSource(stripped, Optional.empty(), OptionalInt.of(4), "cpu")));
        assertTrue(e.getMessage().startsWith("the model") && !e.getMessage().contains("\n"), e.getMessage());
        assertTrue(Files.exists(file));
    }
}
