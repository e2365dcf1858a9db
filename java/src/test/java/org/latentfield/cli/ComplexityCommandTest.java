package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Npy;

/** {@code latentfield complexity} and {@code attractors --solver} on a linear TorchScript model (issue 12). */
class ComplexityCommandTest {
    @TempDir
    Path dir;

    private Path linear() throws Exception {
        float[] a = new float[16];
        double[] diag = {0.9, 0.5, -0.4, 0.3};
        for (int i = 0; i < 4; i++) {
            a[i * 4 + i] = (float) diag[i];
        }
        return org.latentfield.map.torch.TestModels.linear(dir.resolve("linear.pt"), a, 4);
    }

    @Test
    void solversSideBySideAndPicardsRateAgainstRho() throws Exception {
        Path out = dir.resolve("c");
        CliHarness r = CliHarness.run("complexity", "--model", linear().toString(), "--samples", "200", "--out", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        JsonNode rows = s.get("solvers");
        assertEquals(3, rows.size());
        assertEquals("picard", rows.get(0).get("solver").asText());
        assertEquals("anderson:5", rows.get(1).get("solver").asText());
        assertEquals("newton", rows.get(2).get("solver").asText());
        for (JsonNode row : rows) {
            assertEquals(200, row.get("converged").asInt(), row.toString());
            assertEquals(1, row.get("attractors").asInt(), row.toString());
        }
        double picard = rows.get(0).get("evaluations").get("median").asDouble();
        assertTrue(rows.get(1).get("evaluations").get("median").asDouble() * 3 <= picard, "Anderson needs 3x fewer evaluations: " + rows);
        assertEquals(1, rows.get(1).get("picard_attractors_found").asInt());
        assertEquals(1.0, rows.get(1).get("basin_agreement").asDouble(), 0);
        assertTrue(rows.get(2).get("jacobian_evaluations").get("median").asDouble() >= 1);
        JsonNode rate = s.get("rate_vs_rho");
        assertEquals(0.9, rate.get("attractors").get(0).get("rho").asDouble(), 1e-5);
        assertEquals(0.9, rate.get("attractors").get(0).get("rate_median").asDouble(), 1e-3);
        assertTrue(rate.get("median_abs_difference").asDouble() < 1e-3);
        for (String f : new String[] {"rate_vs_rho.png", "evaluations.png", "anderson_5_iterations.npy", "newton_basin.npy"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        assertEquals(200, Npy.read(out.resolve("rate.npy")).toDoubles().length);
    }

    @Test
    void attractorsTakesEverySolver() throws Exception {
        Path model = linear();
        for (String solver : new String[] {"anderson:3", "newton"}) {
            Path out = dir.resolve(solver.replace(':', '_'));
            CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--samples", "100", "--solver", solver, "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
            assertEquals(solver, s.get("settings").get("solver").asText());
            assertEquals(solver, s.get("solver").asText());
            assertEquals(1, s.get("attractor_count").asInt());
            assertEquals(100, s.get("converged").asInt());
        }
        CliHarness.expectFailure("--solver must be picard, anderson", "attractors", "--model", model.toString(), "--solver", "broyden", "--out",
                dir.resolve("x").toString());
        CliHarness.expectFailure("--record-every records Picard trajectories", "attractors", "--model", model.toString(), "--solver", "newton",
                "--record-every", "5", "--out", dir.resolve("y").toString());
        CliHarness.expectFailure("complexity evaluates f with LibTorch for every solver", "complexity", "--model", model.toString(), "--engine",
                "native", "--out", dir.resolve("v").toString());
        CliHarness.expectFailure("--engine native runs Picard iteration only", "attractors", "--model", model.toString(), "--solver", "anderson",
                "--engine", "native", "--out", dir.resolve("u").toString());
        CliHarness.expectFailure("complexity compares solvers by the identity rule", "complexity", "--model", model.toString(), "--merge",
                "cosine:0.99", "--out", dir.resolve("w").toString());
        CliHarness.expectFailure("--polish-tol applies to --merge identity only", "attractors", "--model", model.toString(), "--merge",
                "cosine:0.99", "--polish-tol", "1e-8", "--out", dir.resolve("z").toString());
    }
}
