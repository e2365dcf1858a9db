package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Npy;
import org.latentfield.map.torch.TestModels;

/** {@code latentfield field} on a contraction with a known field, and its one-sentence errors. */
class FieldCommandTest {
    @TempDir
    Path dir;

    @Test
    void halvingMapHasFieldMinusHalfZ() throws Exception {
        Path model = TestModels.linear(dir.resolve("half.pt"), new float[] {0.5f, 0, 0, 0.5f}, 2);
        CliHarness r = CliHarness.run("field", "--model", model.toString(), "--range", "-4:4", "--grid", "9", "--out",
                dir.resolve("f").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        double[] grid = Npy.read(dir.resolve("f/grid.npy")).toDoubles();
        float[] v = Npy.read(dir.resolve("f/field.npy")).toFloats();
        assertEquals(81 * 2, grid.length);
        for (int p = 0; p < 81; p++) {
            assertEquals(-0.5 * grid[2 * p], v[2 * p], 1e-6);
            assertEquals(-0.5 * grid[2 * p + 1], v[2 * p + 1], 1e-6);
        }
        assertEquals(-4.0, grid[0], 0);
        assertEquals(4.0, grid[2 * 80 + 1], 0);
        assertTrue(r.out().contains("\"grid_points_converged\" : 81"), r.out());
        assertTrue(r.out().contains("\"attractors\" : [ {"), "the origin is marked: " + r.out());
        assertTrue(Files.size(dir.resolve("f/field.png")) > 10_000, "the figure is written");
        int[] basin = Npy.read(dir.resolve("f/basin.npy")).toInts();
        assertTrue(java.util.Arrays.stream(basin).allMatch(b -> b == 0), "every grid point flows to the one attractor");
    }

    @Test
    void badInputGetsOneSentence() throws Exception {
        Path model = TestModels.linear(dir.resolve("m3.pt"), new float[] {0.5f, 0, 0, 0, 0.5f, 0, 0, 0, 0.5f}, 3);
        String out = dir.resolve("o").toString();
        CliHarness.expectFailure("--range must be LO:HI", "field", "--model", model.toString(), "--range", "3:1", "--out", out);
        CliHarness.expectFailure("--plane pca needs --data", "field", "--model", model.toString(), "--plane", "pca", "--out", out);
        CliHarness.expectFailure("needs three attractors but 20 noise starts reached 1", "field", "--model", model.toString(),
                "--samples", "20", "--out", out);
        CliHarness.expectFailure("--grid must be between 2 and 400", "field", "--model", model.toString(), "--grid", "1", "--out", out);
    }
}
