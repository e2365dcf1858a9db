package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.ImageSet;
import org.latentfield.data.SyntheticImages;

/**
 * {@code latentfield reproduce} end to end on a small model directory: a k = 2 / k = 3 sweep and
 * a checkpoint series of blob MLPs; every step runs, the report holds every step's summary and
 * embeds figures that exist, and a data set that cannot be loaded is left out by name.
 */
class ReproduceCommandTest {
    @TempDir
    Path dir;

    @Test
    void runsEveryStepAndJudgesTheFindings() throws Exception {
        ImageSet blobs = SyntheticImages.blobs(120, 1);
        Path models = Files.createDirectories(dir.resolve("models"));
        BlobModels.train(models.resolve("blob-k2.pt"), blobs, 2, 2, 2);
        BlobModels.trainWithCheckpoints(models.resolve("blob-k3.pt"), models.resolve("blob-k3-series"), blobs, 3, 2, 2);
        String train = BlobModels.npy(dir.resolve("train.npy"), blobs), test = BlobModels.npy(dir.resolve("test.npy"), SyntheticImages.blobs(40, 2));
        Path out = dir.resolve("report");
        CliHarness r = CliHarness.run("reproduce", "--models", models.toString(), "--family", "blob", "--train", train, "--test", test, "--ood",
                "uniform-noise:40,no-such-set:all", "--samples", "20", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("leaving out no-such-set:all"), r.err());
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        List<String> names = new ArrayList<>();
        for (JsonNode s : report.get("steps")) {
            names.add(s.get("name").asText());
            assertEquals(0, s.get("exit_code").asInt(), s.toString());
            assertTrue(s.get("summary").isObject(), s.get("name").asText());
        }
        assertEquals(List.of("field-blob-k2", "field-blob-k3-pca", "memorization", "dynamics", "probe-blob-k3", "ood-blob-k3-train",
                "ood-blob-k3-noise", "attractors-blob-k3", "jacobian-blob-k3"), names);
        assertTrue(report.get("skipped_sets").has("no-such-set:all"));
        JsonNode findings = report.get("findings");
        assertEquals(4, findings.size());
        assertTrue(List.of("reproduced", "not reproduced").contains(findings.get(0).get("verdict").asText()));
        assertTrue(List.of("reproduced", "not reproduced").contains(findings.get(1).get("verdict").asText()));
        assertEquals("not measured", findings.get(3).get("verdict").asText(), "no MNIST set in this run");
        assertTrue(report.get("steps").get(8).get("summary").has("iteration_complexity"));
        String md = Files.readString(out.resolve("report.md"));
        for (String fig : List.of("field-blob-k2/field.png", "memorization/attractors.png", "dynamics/dynamics.png", "probe-blob-k3/reconstructions.png",
                "ood-blob-k3-train/hist_trajectory.png")) {
            assertTrue(md.contains("](" + fig + ")"), fig);
            assertTrue(Files.size(out.resolve(fig)) > 1000, fig);
        }
        assertTrue(Files.readString(out.resolve("logs/memorization.txt")).startsWith("$ latentfield memorization"));
        // --resume reuses every finished step: nothing runs again, the report is rebuilt from the summaries
        long before = Files.getLastModifiedTime(out.resolve("memorization/summary.json")).toMillis();
        r = CliHarness.run("reproduce", "--models", models.toString(), "--family", "blob", "--train", train, "--test", test, "--ood",
                "uniform-noise:40", "--samples", "20", "--resume", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("memorization reused from the earlier run"), r.err());
        assertEquals(before, Files.getLastModifiedTime(out.resolve("memorization/summary.json")).toMillis());
        assertTrue(r.out().contains("(1) memorization falls as the bottleneck k grows"), r.out());
        CliHarness.expectFailure("holds no nothing-k<K>.pt", "reproduce", "--models", models.toString(), "--family", "nothing",
                "--train", train, "--test", test, "--ood", "uniform-noise:40", "--out", dir.resolve("x").toString());
    }

    @Test
    void aFailedStepIsReportedWhileTheOthersRun() throws Exception {
        ImageSet blobs = SyntheticImages.blobs(80, 1);
        Path models = Files.createDirectories(dir.resolve("models"));
        BlobModels.train(models.resolve("blob-k3.pt"), blobs, 3, 1, 2);
        Files.createDirectories(models.resolve("blob-k3-series"));
        Files.writeString(models.resolve("blob-k3-series/epoch-0001.pt"), "not a TorchScript archive");
        String data = BlobModels.npy(dir.resolve("d.npy"), blobs);
        Path out = dir.resolve("report");
        CliHarness r = CliHarness.run("reproduce", "--models", models.toString(), "--family", "blob", "--train", data, "--test", data, "--ood",
                "uniform-noise:30", "--samples", "15", "--out", out.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("1 of 8 steps failed (dynamics)"), r.err());
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        for (JsonNode s : report.get("steps")) {
            boolean dynamics = s.get("name").asText().equals("dynamics");
            assertEquals(dynamics ? 1 : 0, s.get("exit_code").asInt(), s.toString());
            assertEquals(dynamics, s.has("error"));
            assertEquals(!dynamics, s.has("summary"));
        }
        assertEquals("not measured", report.get("findings").get(1).get("verdict").asText());
        assertTrue(Files.readString(out.resolve("report.md")).contains("Failed: latentfield dynamics:"));
    }
}
