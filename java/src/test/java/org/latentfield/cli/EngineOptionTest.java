package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.SyntheticImages;
import org.latentfield.map.torch.TestModels;

/**
 * {@code --engine}: auto runs a model natively only when its graphs qualify, says why not in
 * the summary and in {@code info}, and gives LibTorch's endpoints exactly when it does not;
 * native refuses such a model in one sentence.
 */
class EngineOptionTest {
    private static final String CLAMP_REASON = "decode uses aten::clamp, which the native engine does not run";

    @TempDir
    Path dir;

    private JsonNode summary(String run) throws Exception {
        return new ObjectMapper().readTree(dir.resolve(run).resolve("summary.json").toFile());
    }

    @Test
    void autoRunsMlpModelsNativelyAndChecksTheRun() throws Exception {
        Path model = BlobModels.train(dir.resolve("mlp.pt"), SyntheticImages.blobs(64, 1), 2, 1, 3);
        CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--samples", "50", "--out", dir.resolve("o").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode settings = summary("o").get("settings");
        assertEquals("native cpu: 2 -> 32 -> 784 -> 32 -> 2", settings.get("engine").asText());
        assertTrue(settings.get("engine_check").asText().matches("50 points \\(\\d+ converged\\) checked against LibTorch: f agrees"
                + " within .*, residual at most .*"), settings.get("engine_check").asText());
        r = CliHarness.run("attractors", "--model", model.toString(), "--samples", "50", "--engine", "torch", "--out", dir.resolve("t").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("torch", summary("t").get("settings").get("engine").asText());
        assertTrue(summary("t").get("settings").get("engine_check").isNull());
    }

    @Test
    void theClampMlpOfIssue10RunsInLibTorchUnderAutoWithTorchsEndpoints() throws Exception {
        Path clamp = TestModels.mlp(dir.resolve("clamp.pt"), "torch.clamp(z, -20.0, 20.0)", 4);
        for (String engine : new String[] {"auto", "torch"}) {
            CliHarness r = CliHarness.run("attractors", "--model", clamp.toString(), "--from", "uniform:-60:60", "--samples", "300",
                    "--engine", engine, "--out", dir.resolve(engine).toString());
            assertEquals(0, r.code(), r.err());
        }
        assertEquals("torch (" + CLAMP_REASON + ")", summary("auto").get("settings").get("engine").asText());
        assertArrayEquals(Files.readAllBytes(dir.resolve("torch/endpoints.npy")), Files.readAllBytes(dir.resolve("auto/endpoints.npy")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("torch/iterations.npy")), Files.readAllBytes(dir.resolve("auto/iterations.npy")));

        CliHarness.expectFailure("--engine native: the model " + clamp + " cannot run natively: " + CLAMP_REASON + "; use --engine torch.",
                "attractors", "--model", clamp.toString(), "--engine", "native", "--out", dir.resolve("x").toString());
        CliHarness.expectFailure("--engine must be torch, native or auto", "attractors", "--model", clamp.toString(),
                "--engine", "jax", "--out", dir.resolve("x").toString());

        CliHarness info = CliHarness.run("info", "--model", clamp.toString(), "--json");
        assertEquals(0, info.code(), info.err());
        assertEquals("torch (" + CLAMP_REASON + ")", new ObjectMapper().readTree(info.out()).get("engine").asText());
    }

    @Test
    void aLinearMapWithAnIdentityDecodeIsOneNativeLayer() throws Exception {
        Path linear = TestModels.linear(dir.resolve("lin.pt"), new float[] {0.5f, 0, 0, 0.5f}, 2);
        CliHarness r = CliHarness.run("attractors", "--model", linear.toString(), "--samples", "20", "--engine", "native",
                "--out", dir.resolve("a").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("native cpu: 2 -> 2", summary("a").get("settings").get("engine").asText());
        assertEquals(1, summary("a").get("attractor_count").asInt(), "f(z) = z / 2 has the one attractor 0");
    }
}
