package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.SyntheticImages;
import org.latentfield.map.torch.TestModels;

/** {@code attractors --engine}: auto picks the native engine for an mlp, native refuses other models in one sentence. */
class EngineOptionTest {
    @TempDir
    Path dir;

    @Test
    void autoRunsMlpModelsNatively() throws Exception {
        Path model = BlobModels.train(dir.resolve("mlp.pt"), SyntheticImages.blobs(64, 1), 2, 1, 3);
        CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--samples", "50", "--out", dir.resolve("o").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(dir.resolve("o/summary.json")).contains("\"engine\" : \"native cpu: 2 -> 32 -> 784 -> 32 -> 2\""));
        r = CliHarness.run("attractors", "--model", model.toString(), "--samples", "50", "--engine", "torch", "--out", dir.resolve("t").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(dir.resolve("t/summary.json")).contains("\"engine\" : \"torch\""));
    }

    @Test
    void nativeRefusesOtherModelsInOneSentence() throws Exception {
        Path clamp = TestModels.mlp(dir.resolve("clamp.pt"), "torch.clamp(z, -20.0, 20.0)", 4);
        CliHarness.expectFailure("cannot run natively: decode uses aten::clamp, which the native engine does not run", "attractors",
                "--model", clamp.toString(), "--engine", "native", "--out", dir.resolve("x").toString());
        CliHarness.expectFailure("--engine must be torch, native or auto", "attractors", "--model", clamp.toString(),
                "--engine", "jax", "--out", dir.resolve("x").toString());
        CliHarness r = CliHarness.run("attractors", "--model", clamp.toString(), "--samples", "20", "--out", dir.resolve("a").toString());
        assertEquals(0, r.code(), "auto falls back to LibTorch: " + r.err());
    }
}
