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
import org.latentfield.data.SyntheticImages;

/** {@code latentfield probe}: with s = k atoms the orthonormal basis and PCA reconstruct every code exactly. */
class ProbeCommandTest {
    @TempDir
    Path dir;

    @Test
    void fullBasesReconstructExactly() throws Exception {
        ImageSet blobs = SyntheticImages.blobs(100, 1);
        Path model = BlobModels.train(dir.resolve("mlp.pt"), blobs, 4, 2, 2);
        String data = BlobModels.npy(dir.resolve("d.npy"), blobs);
        CliHarness r = CliHarness.run("probe", "--model", model.toString(), "--data", data, "--train", data, "--samples", "20",
                "--out", dir.resolve("p").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("p/summary.json").toFile());
        double full = s.get("baseline_reference_mse").asDouble();
        JsonNode last = s.get("levels").get(s.get("levels").size() - 1);
        assertEquals(4, last.get("atoms").asInt());
        assertEquals(full, last.get("random_orthonormal_basis").asDouble(), 1e-5 * (1 + full));
        assertEquals(full, last.get("pca_of_training_latents").asDouble(), 1e-5 * (1 + full));
        assertTrue(Files.size(dir.resolve("p/mse.png")) > 5000);
        assertTrue(Files.size(dir.resolve("p/reconstructions.png")) > 2000);
        assertTrue(s.get("montage_atoms").asInt() >= 1);
        CliHarness.expectFailure("--atoms values must be in [1, k = 4]", "probe", "--model", model.toString(), "--data", data, "--train",
                data, "--atoms", "1,9", "--out", dir.resolve("q").toString());
    }
}
