package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.ImageSet;
import org.latentfield.data.Npy;
import org.latentfield.data.SyntheticImages;
import org.latentfield.map.torch.TorchTrainer;
import org.latentfield.train.MlpArchitecture;
import org.latentfield.train.TrainOptions;

/** {@code latentfield memorization} over two small models: every number, both figures. */
class MemorizationCommandTest {
    @TempDir
    Path dir;

    @Test
    void tableAndFiguresForEveryModel() throws Exception {
        ImageSet blobs = SyntheticImages.blobs(100, 1);
        Npy.writeFloat32(dir.resolve("d.npy"), blobs.pixels(), 100, 1, 28, 28);
        String data = dir.resolve("d.npy").toString();
        StringBuilder models = new StringBuilder();
        for (int k : new int[] {2, 3}) {
            Path model = dir.resolve("mlp" + k + ".pt");
            TorchTrainer.train(MlpArchitecture.of(1, 28, 28, new int[] {32}, k, "tanh"), blobs, blobs, new TrainOptions(2, 16, 1e-3, 1e-4, 2),
                    model, e -> { }, (n, loss) -> { });
            models.append(models.length() > 0 ? "," : "").append(model);
        }
        CliHarness r = CliHarness.run("memorization", "--model", models.toString(), "--train", data, "--test", data, "--samples", "30",
                "--out", dir.resolve("m").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("m/summary.json").toFile());
        assertEquals(2, s.get("models").size());
        for (JsonNode m : s.get("models")) {
            double mem = m.get("memorization_mean").asDouble();
            assertTrue(mem > 0 && mem <= 1 + 1e-6, "memorization coefficient is a cosine similarity: " + mem);
            assertTrue(m.get("attractors_from_train").asInt() >= 1);
            assertTrue(m.get("test_mse").asDouble() > 0);
        }
        assertTrue(Files.size(dir.resolve("m/memorization.png")) > 5000);
        assertTrue(Files.size(dir.resolve("m/attractors.png")) > 500);
    }
}
