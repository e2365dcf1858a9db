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

/** {@code latentfield dynamics} over a two-checkpoint series; an empty directory is refused in one sentence. */
class DynamicsCommandTest {
    @TempDir
    Path dir;

    @Test
    void oneRowPerCheckpoint() throws Exception {
        ImageSet blobs = SyntheticImages.blobs(80, 1);
        String data = BlobModels.npy(dir.resolve("d.npy"), blobs);
        Path ck = dir.resolve("ck");
        BlobModels.trainWithCheckpoints(dir.resolve("final.pt"), ck, blobs, 3, 2, 2);
        CliHarness r = CliHarness.run("dynamics", "--checkpoints", ck.toString(), "--train", data, "--test", data, "--samples", "20",
                "--max-iter", "300", "--out", dir.resolve("o").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("o/summary.json").toFile());
        assertEquals(2, s.get("series").size());
        assertEquals("epoch-0001.pt", s.get("series").get(0).get("checkpoint").asText());
        assertTrue(Files.size(dir.resolve("o/dynamics.png")) > 5000);
        NpyArray series = Npy.read(dir.resolve("o/series.npy"));
        assertArrayEquals(new long[] {2, s.get("series_columns").size()}, series.shape());
        assertEquals(s.get("series").get(1).get("attractors_train").asDouble(), 
                series.toDoubles()[DynamicsCommand.SERIES_COLUMNS.size() + DynamicsCommand.SERIES_COLUMNS.indexOf("attractors_train")]);
        Files.createDirectories(dir.resolve("empty"));
        CliHarness.expectFailure("holds no .pt files", "dynamics", "--checkpoints", dir.resolve("empty").toString(), "--out",
                dir.resolve("x").toString());
    }
}
