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

/** {@code latentfield ood} end to end on a small synthetic model; its one-sentence errors. */
class OodCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesEveryMethodsMetricsAndFigures() throws Exception {
        ImageSet blobs = SyntheticImages.blobs(120, 1);
        Path model = BlobModels.train(dir.resolve("mlp.pt"), blobs, 3, 3, 2);
        Npy.writeFloat32(dir.resolve("train.npy"), blobs.pixels(), 120, 1, 28, 28);
        Npy.writeFloat32(dir.resolve("test.npy"), SyntheticImages.blobs(40, 2).pixels(), 40, 1, 28, 28);
        CliHarness r = CliHarness.run("ood", "--model", model.toString(), "--train", dir.resolve("train.npy").toString(), "--id",
                dir.resolve("test.npy").toString(), "--ood", "uniform-noise:40", "--samples", "40", "--train-samples", "500",
                "--knn-k", "1,5", "--max-iter", "200", "--out", dir.resolve("o").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("o/summary.json").toFile());
        // the training set holds 120 items: all are used, and the summary and a note say so
        assertEquals(500, s.get("train_samples_requested").asInt());
        assertEquals(120, s.get("samples_used").get("train").asInt());
        assertEquals(40, s.get("samples_used").get("uniform-noise:40").asInt());
        assertTrue(r.err().contains("--train-samples 500 is more than " + dir.resolve("train.npy") + " holds; all 120"), r.err());
        for (String m : new String[] {"trajectory", "attractor_distance", "knn_k1", "knn_k5", "mahalanobis", "reconstruction_mse"}) {
            double auroc = s.get("results").get(m).get("uniform-noise:40").get("auroc").asDouble();
            assertTrue(auroc >= 0 && auroc <= 1, m + " AUROC " + auroc);
            assertTrue(Files.size(dir.resolve("o/hist_" + m + ".png")) > 5000, m + " histogram");
        }
        // the metrics are those of the written scores: ID rows are set 0, OOD rows set 1
        int[] set = Npy.read(dir.resolve("o/set.npy")).toInts();
        assertEquals(80, set.length);
        double[] mse = Npy.read(dir.resolve("o/scores_reconstruction_mse.npy")).toDoubles();
        double[] id = java.util.stream.IntStream.range(0, 80).filter(i -> set[i] == 0).mapToDouble(i -> mse[i]).toArray();
        double[] ood = java.util.stream.IntStream.range(0, 80).filter(i -> set[i] == 1).mapToDouble(i -> mse[i]).toArray();
        assertEquals(org.latentfield.analysis.Detection.auroc(id, ood),
                s.get("results").get("reconstruction_mse").get("uniform-noise:40").get("auroc").asDouble(), 1e-12);
    }

    @Test
    void badInputGetsOneSentence() {
        String out = dir.resolve("x").toString();
        CliHarness.expectFailure("--attractors-from must be train or noise", "ood", "--model", "m.pt", "--attractors-from", "test", "--out", out);
        CliHarness.expectFailure("--knn-k values must be in [1, --train-samples = 100]", "ood", "--model", "m.pt", "--train-samples", "100",
                "--knn-k", "1,500", "--out", out);
    }
}
