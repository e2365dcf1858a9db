package org.latentfield.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reproduction plan finds a family by name, with flat (-kK) and spatial (-CxHxW) latents. */
class ReproductionPlanTest {
    @TempDir
    Path dir;

    @Test
    void spatialAndFlatNamesMakeOneSweepOrderedByK() throws Exception {
        for (String f : new String[] {"fam-2x4x4.pt", "fam-k8.pt", "fam-k2.pt", "other-k2.pt", "fam-k16.json", "famous-k4.pt"}) {
            Files.writeString(dir.resolve(f), "");
        }
        Files.createDirectories(dir.resolve("fam-2x4x4-series"));
        Files.writeString(dir.resolve("fam-2x4x4-series/epoch-0001.pt"), "");
        ReproductionPlan plan = ReproductionPlan.of(new ReproductionPlan.Settings(dir, "fam", "train.npy", "test.npy",
                List.of("gaussian-noise:all"), 100, 0));
        assertEquals(List.of(2, 8, 32), plan.models().stream().map(ReproductionPlan.Model::k).toList());
        assertEquals("fam-2x4x4", plan.models().get(2).stem());
        assertEquals(dir.resolve("fam-2x4x4-series"), plan.series());
        assertEquals(List.of(dir.resolve("fam-k2.pt"), dir.resolve("other-k2.pt")), plan.twoD());
    }
}
