package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Npy;
import org.latentfield.map.torch.TestModels;

/** {@code latentfield jacobian} end to end on a linear map, and its one-sentence errors. */
class JacobianCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesSpectraAndCountsStablePoints() throws Exception {
        // f(z) = diag(0.5, 2) z: ||J|| = 2, rho = 2 everywhere; then f = diag(0.5, 0.25): rho = 0.5
        Path unstable = TestModels.linear(dir.resolve("u.pt"), new float[] {0.5f, 0, 0, 2}, 2);
        Path stable = TestModels.linear(dir.resolve("s.pt"), new float[] {0.5f, 0, 0, 0.25f}, 2);
        Npy.writeFloat32(dir.resolve("z.npy"), new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        CliHarness r = CliHarness.run("jacobian", "--model", unstable.toString(), "--at", dir.resolve("z.npy").toString(),
                "--device", "cpu", "--out", dir.resolve("u").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"stable\" : 0") && r.out().contains("\"not_stable\" : 3"), r.out());
        float[] norm = Npy.read(dir.resolve("u/spectral_norm.npy")).toFloats();
        float[] radius = Npy.read(dir.resolve("u/spectral_radius.npy")).toFloats();
        assertEquals(3, norm.length);
        for (int p = 0; p < 3; p++) {
            assertEquals(2, norm[p], 1e-5);
            assertEquals(2, radius[p], 1e-5);
        }
        r = CliHarness.run("jacobian", "--model", stable.toString(), "--at", dir.resolve("z.npy").toString(), "--device", "cpu",
                "--out", dir.resolve("s").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("3 points: stable (rho < 1) 3, not stable 0; contractive (||J||_2 < 1) 3"), r.out());
        assertTrue(Files.exists(dir.resolve("s/summary.json")));
    }

    @Test
    void iterationComplexityOfAnAttractorsRun() throws Exception {
        Path half = TestModels.linear(dir.resolve("h.pt"), new float[] {0.5f, 0, 0, 0.5f}, 2);
        assertEquals(0, CliHarness.run("attractors", "--model", half.toString(), "--samples", "40", "--noise-scale", "50", "--out",
                dir.resolve("a").toString()).code());
        CliHarness r = CliHarness.run("jacobian", "--model", half.toString(), "--at", "attractors:" + dir.resolve("a"), "--out",
                dir.resolve("j").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        com.fasterxml.jackson.databind.JsonNode c = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("iteration_complexity");
        assertEquals(40, c.get("bound_defined_norm").asInt(), "||J|| = 0.5 everywhere: the bound applies to every start");
        assertTrue(c.get("correlation_norm").asDouble() > 0.95, "a linear contraction meets its bound: " + c);
        assertEquals(1.0, c.get("share_converged").asDouble(), 0);
        assertTrue(Files.size(dir.resolve("j/complexity.png")) > 5000);
    }

    @Test
    void badInputGetsOneSentence() throws Exception {
        Path model = TestModels.linear(dir.resolve("m.pt"), new float[] {1, 0, 0, 1}, 2);
        Npy.writeFloat32(dir.resolve("z3.npy"), new float[6], 2, 3);
        CliHarness.expectFailure("3 columns but the model's latent dimension is 2", "jacobian", "--model", model.toString(), "--at",
                dir.resolve("z3.npy").toString(), "--out", dir.resolve("o").toString());
        CliHarness.expectFailure("expected the output directory of 'latentfield attractors'", "jacobian", "--model", model.toString(), "--at",
                "attractors:" + dir.resolve("nowhere"), "--out", dir.resolve("o").toString());
        CliHarness.expectFailure("--iters must be >= 1", "jacobian", "--model", model.toString(), "--at", dir.resolve("z3.npy").toString(),
                "--iters", "0", "--out", dir.resolve("o").toString());
    }
}
