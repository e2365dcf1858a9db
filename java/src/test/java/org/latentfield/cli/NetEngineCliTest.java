package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Npy;
import org.latentfield.map.torch.TestModels;

/**
 * Conv autoencoders on liblf's network engine from the command line (issue 13): the shipped
 * fmnist-conv-k16 mines natively under auto with LibTorch's attractors, and a model with an op
 * the engine lacks (a max-pool) runs in LibTorch under auto with the reason in the summary, and
 * is refused in one sentence under native.
 */
class NetEngineCliTest {
    private static final String SHIPPED_PLAN = "native cpu: 16 -> linear 512, 4 conv_transpose2d to 1 x 32 x 32, crop, crop, pad,"
            + " 4 conv2d to 128 x 2 x 2, linear 16";

    @TempDir
    Path dir;

    private JsonNode summary(String run) throws Exception {
        return new ObjectMapper().readTree(dir.resolve(run).resolve("summary.json").toFile());
    }

    /**
     * Same 300 N(0, I) starts, tol 1e-6, cap 3000, on the engine and in LibTorch: the same
     * attractors, every start in the same basin (up to the attractors' order) with its endpoint
     * within 1e-4 (1 + max |z|), and iteration counts within one step for at least 97% of starts,
     * within three for all. Why not the 99% within one step: the two sum in different
     * orders, and float32 rounding alone moves stopping steps on this model. LibTorch against
     * itself with oneDNN on and off put 321 of 2000 starts 1 to 3 steps apart (issue 12's note);
     * the engine against LibTorch, two runs of these 300 starts: 296 and 298 within one step,
     * none over two, every endpoint within 1.0e-5.
     */
    @Test
    void theShippedConvModelMinesOnTheNetworkEngineWithLibTorchsAttractors() throws Exception {
        Path shipped = Path.of("../models/fmnist-conv-k16.pt");
        Assumptions.assumeTrue(Files.isRegularFile(shipped), "models/ is not beside the java module");
        for (String engine : new String[] {"native", "torch"}) {
            CliHarness r = CliHarness.run("attractors", "--model", shipped.toString(), "--samples", "300", "--seed", "3", "--engine", engine,
                    "--out", dir.resolve(engine).toString());
            assertEquals(0, r.code(), r.err());
        }
        JsonNode nat = summary("native"), torch = summary("torch");
        assertEquals(SHIPPED_PLAN, nat.get("settings").get("engine").asText());
        assertTrue(nat.get("settings").get("engine_check").asText().matches("\\d+ points \\(\\d+ converged\\) checked against LibTorch: f agrees"
                + " within .*, residual at most .*"), nat.get("settings").get("engine_check").asText());
        assertEquals(torch.get("attractor_count").asInt(), nat.get("attractor_count").asInt(), "the same number of attractors");

        int[] itN = ints("native/iterations.npy"), itT = ints("torch/iterations.npy");
        int[] bN = ints("native/basin.npy"), bT = ints("torch/basin.npy");
        float[] eN = Npy.read(dir.resolve("native/endpoints.npy")).toFloats(), eT = Npy.read(dir.resolve("torch/endpoints.npy")).toFloats();
        int n = itT.length, k = eT.length / n, within = 0, equal = 0, widest = 0;
        double worst = 0;
        Map<Integer, Integer> basinOf = new HashMap<>();
        for (int p = 0; p < n; p++) {
            int d = Math.abs(itN[p] - itT[p]);
            within += d <= 1 ? 1 : 0;
            equal += d == 0 ? 1 : 0;
            widest = Math.max(widest, d);
            double diff = 0, scale = 0;
            for (int j = 0; j < k; j++) {
                diff = Math.max(diff, Math.abs(eN[p * k + j] - eT[p * k + j]));
                scale = Math.max(scale, Math.abs(eT[p * k + j]));
            }
            worst = Math.max(worst, Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff / (1 + scale));
            int torchBasin = bT[p];
            assertEquals(torchBasin, basinOf.computeIfAbsent(bN[p], b -> torchBasin), "start " + p + " is in the same basin");
        }
        assertEquals(basinOf.size(), new java.util.HashSet<>(basinOf.values()).size(), "basins map one to one");
        System.out.printf("NetEngineCliTest: fmnist-conv-k16, %d starts: iteration counts equal for %d, within one step for %d, at most %d"
                + " apart; endpoints within %.2g relative; %d attractors%n", n, equal, within, widest, worst, nat.get("attractor_count").asInt());
        assertTrue(worst <= 1e-4, "endpoints differ from LibTorch's by " + worst + " (relative)");
        assertTrue(within >= 0.97 * n, within + " of " + n + " starts have iteration counts within one step of LibTorch's");
        assertTrue(widest <= 3, "a start's iteration count is " + widest + " steps from LibTorch's");
        assertTrue(equal >= 2 * n / 3, "iteration counts agree exactly for only " + equal + " of " + n);

        // jacobian --engine native: forward-mode Jacobians through the convolutions at those attractors, autograd's spectra
        for (String engine : new String[] {"native", "torch"}) {
            CliHarness r = CliHarness.run("jacobian", "--model", shipped.toString(), "--engine", engine, "--at",
                    "attractors:" + dir.resolve("torch"), "--out", dir.resolve("j-" + engine).toString());
            assertEquals(0, r.code(), r.err());
        }
        JsonNode jn = summary("j-native"), jt = summary("j-torch");
        assertEquals("analytic, " + SHIPPED_PLAN, jn.get("jacobians").asText());
        assertEquals(jt.get("count").asInt(), jn.get("stable").asInt(), "every attractor is stable by the engine's Jacobians too");
        for (String stat : new String[] {"min", "median", "max"}) {
            assertEquals(jt.get("spectral_radius").get(stat).asDouble(), jn.get("spectral_radius").get(stat).asDouble(), 1e-4,
                    "spectral radius " + stat);
            assertEquals(jt.get("spectral_norm").get(stat).asDouble(), jn.get("spectral_norm").get(stat).asDouble(), 1e-4,
                    "spectral norm " + stat);
        }
    }

    private int[] ints(String file) {
        return Npy.read(dir.resolve(file)).toInts();
    }

    @Test
    void aMaxPoolMakesAutoFallBackToLibTorchWithTheReason() throws Exception {
        Path model = TestModels.maxPool(dir.resolve("pool.pt"));
        CliHarness run = CliHarness.run("attractors", "--model", model.toString(), "--samples", "20", "--out", dir.resolve("a").toString());
        assertEquals(0, run.code(), run.err());
        String engine = summary("a").get("settings").get("engine").asText();
        assertTrue(engine.startsWith("torch (encode uses aten::max_pool2d"), engine);
        CliHarness.expectFailure("--engine native: the model " + model + " cannot run natively: encode uses aten::max_pool2d",
                "attractors", "--model", model.toString(), "--engine", "native", "--out", dir.resolve("n").toString());
    }
}
