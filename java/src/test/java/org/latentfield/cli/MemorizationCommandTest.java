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
import org.latentfield.data.ImageSet;
import org.latentfield.data.Npy;
import org.latentfield.data.NpyArray;
import org.latentfield.data.SyntheticImages;

/** {@code latentfield memorization} over two small models: every number, both figures. */
class MemorizationCommandTest {
    @TempDir
    Path dir;

    @Test
    void tableAndFiguresForEveryModel() throws Exception {
        ImageSet blobs = SyntheticImages.blobs(100, 1);
        String data = BlobModels.npy(dir.resolve("d.npy"), blobs);
        StringBuilder models = new StringBuilder();
        for (int k : new int[] {2, 3}) {
            models.append(models.length() > 0 ? "," : "").append(BlobModels.train(dir.resolve("mlp" + k + ".pt"), blobs, k, 2, 2));
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
            NpyArray attractors = Npy.read(dir.resolve("m").resolve(m.get("attractors_file").asText()));
            assertArrayEquals(new long[] {m.get("attractors_from_train").asInt(), m.get("latent_dim").asInt()}, attractors.shape());
            float[] similarity = Npy.read(dir.resolve("m").resolve(m.get("similarity_file").asText())).toFloats();
            double sum = 0;
            for (float v : similarity) {
                sum += v;
            }
            assertEquals(mem, sum / similarity.length, 1e-5, "the coefficient is the mean of the per-attractor similarities");
        }
        assertTrue(Files.size(dir.resolve("m/memorization.png")) > 5000);
        assertTrue(Files.size(dir.resolve("m/attractors.png")) > 500);
    }
}
