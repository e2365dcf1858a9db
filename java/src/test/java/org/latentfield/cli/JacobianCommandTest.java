package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
        assertTrue(r.out().startsWith("3 points: stable (rho < 1) 3, not stable 0, undefined (f(z) or J not finite) 0; contractive (||J||_2 < 1) 3"),
                r.out());
        assertArrayEquals(new int[] {1, 1, 1}, Npy.read(dir.resolve("s/stability.npy")).toInts());
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

    /** f(z) = (0.5 z_0 + 0 log z_0, z_1^2) with decode = identity: f is NaN where z_0 &lt; 0, J stays finite there (0 / z_0). */
    private Path logModel(Path file) throws Exception {
        return TestModels.builder().identityDecode().latentDim(2)
                .method("def encode(self, x):\n    return torch.cat([0.5 * x[:, 0:1] + 0.0 * torch.log(x[:, 0:1]), x[:, 1:2] * x[:, 1:2]], 1)\n")
                .method("def forward(self, x):\n    return self.decode(self.encode(x))\n").save(file);
    }

    private static JsonNode json(CliHarness r) throws Exception {
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void pointsWhereFIsNaNAreUndefinedNotStable() throws Exception {
        // J = diag(0.5, 2 z_1) wherever f is defined: stable iff |z_1| < 0.5. Where z_0 < 0, f(z) is
        // NaN while autograd's J is the finite diag(0.5, 2 z_1): the old command called those points
        // stable (rho 0.5).
        Path model = logModel(dir.resolve("log.pt"));
        Npy.writeFloat32(dir.resolve("z.npy"), new float[] {1, 0.1f, 2, 3, -1, 0.1f, 0.5f, -0.2f, -3, 3}, 5, 2);
        CliHarness r = CliHarness.run("jacobian", "--model", model.toString(), "--at", dir.resolve("z.npy").toString(), "--device", "cpu",
                "--out", dir.resolve("j").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode s = json(r);
        assertEquals(2, s.get("stable").asInt(), r.out());
        assertEquals(1, s.get("not_stable").asInt(), r.out());
        assertEquals(2, s.get("undefined").asInt(), r.out());
        assertEquals(2, s.get("undefined_because").get("f_not_finite").asInt(), r.out());
        assertEquals(2, s.get("contractive").asInt(), "undefined points are not contractive either: " + r.out());
        assertArrayEquals(new int[] {1, 0, -1, 1, -1}, Npy.read(dir.resolve("j/stability.npy")).toInts());
        float[] radius = Npy.read(dir.resolve("j/spectral_radius.npy")).toFloats();
        float[] norm = Npy.read(dir.resolve("j/spectral_norm.npy")).toFloats();
        float[] want = {0.5f, 6, Float.NaN, 0.5f, Float.NaN};
        for (int p = 0; p < 5; p++) {
            assertEquals(want[p], radius[p], 1e-5, "radius at point " + p);
            assertEquals(want[p], norm[p], 1e-5, "norm at point " + p);
        }
        r = CliHarness.run("jacobian", "--model", model.toString(), "--at", dir.resolve("z.npy").toString(), "--device", "cpu", "--out",
                dir.resolve("t").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("5 points: stable (rho < 1) 2, not stable 1, undefined (f(z) or J not finite) 2; contractive (||J||_2 < 1) 2"),
                r.out());
        assertTrue(r.out().contains("spectral radius median 0.5000 (min 0.5000, max 6.000)"), r.out());
    }

    @Test
    void everyPointUndefinedStillFinishesWithAClearResult() throws Exception {
        // f(z) = 0.5 z + 0 sqrt(z_0): at z_0 < 0 both f and J are NaN. The old command wrote its files
        // and then died with an internal NullPointerException (exit 3) on the empty distributions.
        Path model = TestModels.builder().identityDecode().latentDim(2)
                .method("def encode(self, x):\n    return 0.5 * x + 0.0 * torch.sqrt(x[:, 0:1])\n")
                .method("def forward(self, x):\n    return self.decode(self.encode(x))\n").save(dir.resolve("sqrt.pt"));
        Npy.writeFloat32(dir.resolve("z.npy"), new float[] {-1, 2, -3, 4, -5, 6}, 3, 2);
        CliHarness r = CliHarness.run("jacobian", "--model", model.toString(), "--at", dir.resolve("z.npy").toString(), "--device", "cpu",
                "--out", dir.resolve("j").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("3 points: stable (rho < 1) 0, not stable 0, undefined (f(z) or J not finite) 3; contractive (||J||_2 < 1) 0"),
                r.out());
        assertTrue(r.out().contains("f(z) or its Jacobian is not finite at every point: nothing is classified stable or not stable"), r.out());
        assertArrayEquals(new int[] {-1, -1, -1}, Npy.read(dir.resolve("j/stability.npy")).toInts());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("j/summary.json").toFile());
        assertEquals(3, s.get("undefined").asInt());
        assertEquals(3, s.get("undefined_because").get("f_not_finite").asInt());
        assertEquals(0, s.get("stable").asInt());
        assertEquals(3, s.get("spectral_radius").get("not_finite").asInt());
        for (float v : Npy.read(dir.resolve("j/spectral_radius.npy")).toFloats()) {
            assertTrue(Float.isNaN(v), "undefined points have a NaN radius, not 0");
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang guard, not a speed check
    void anInfiniteJacobianDoesNotHang() throws Exception {
        // f(z) = (z_0 + z_1, z_1 + sqrt(z_0)): at z_0 = 0, f is finite and J = [[1, 1], [inf, 1]] (the
        // diagonal may be NaN from autograd's 0 / 0), the matrix on which the balancing loop of the
        // spectral radius spun forever.
        Path model = TestModels.builder().identityDecode().latentDim(2)
                .method("def encode(self, x):\n    return torch.cat([x[:, 0:1] + x[:, 1:2], x[:, 1:2] + torch.sqrt(x[:, 0:1])], 1)\n")
                .method("def forward(self, x):\n    return self.decode(self.encode(x))\n").save(dir.resolve("inf.pt"));
        Npy.writeFloat32(dir.resolve("z.npy"), new float[] {0, 1, 0, -2, 4, 1, -1, 0}, 4, 2);
        CliHarness r = CliHarness.run("jacobian", "--model", model.toString(), "--at", dir.resolve("z.npy").toString(), "--device", "cpu",
                "--out", dir.resolve("j").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode s = json(r);
        assertEquals(3, s.get("undefined").asInt(), r.out());
        assertEquals(2, s.get("undefined_because").get("jacobian_not_finite").asInt(), r.out());
        assertEquals(1, s.get("undefined_because").get("f_not_finite").asInt(), r.out());
        assertEquals(1, s.get("not_stable").asInt(), "at (4, 1) J = [[1, 1], [1/4, 1]]: rho 1.5");
        assertArrayEquals(new int[] {-1, -1, 0, -1}, Npy.read(dir.resolve("j/stability.npy")).toInts());
        assertEquals(1.5, Npy.read(dir.resolve("j/spectral_radius.npy")).toFloats()[2], 1e-5);
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
