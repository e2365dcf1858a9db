package org.latentfield.dynamics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.map.torch.AnalyticMaps;
import org.latentfield.map.torch.TorchScriptAutoencoder;

/**
 * Native memory stays flat over a long run: 10^4 iterations of a map that never converges,
 * with JavaCPP-tracked and resident memory sampled inside the run at steps 2000 and 10000.
 * Resident memory only measures native memory because the test JVM pre-touches its heap
 * (-Xms1g -XX:+AlwaysPreTouch in the surefire configuration).
 */
class NativeMemoryTest {
    @TempDir
    Path dir;

    @Test
    void tenThousandIterationsKeepNativeMemoryFlat() throws Exception {
        int k = 8;
        Points z0 = StartPoints.gaussian(256, k, 1.0, 1);
        try (TorchScriptAutoencoder map = AnalyticMaps.linear(dir, AnalyticMaps.scaledRotation(k, 1.0, 0.1), k)) {
            var options = FixedPointSolver.Options.defaults().withBatchSize(256).withMaxIter(10_000);
            for (int w = 0; w < 1; w++) {
                FixedPointSolver.solve(map, z0, options); // warm-up: allocator caches, JIT, heap sizing
            }
            long[] tracked = new long[2];
            long[] resident = new long[2];
            int[] step = {0};
            FixedPointResult r = FixedPointSolver.solve(map, z0, options, finished -> {
                step[0]++;
                if (step[0] == 2000 || step[0] == 10_000) {
                    int s = step[0] == 2000 ? 0 : 1;
                    tracked[s] = NativeKernels.trackedBytes();
                    resident[s] = NativeKernels.residentBytes();
                }
            });
            assertEquals(256, r.count(PointState.NOT_CONVERGED));
            assertEquals(10_000, r.iterations()[0]);
            long trackedGrowth = tracked[1] - tracked[0];
            long residentGrowth = resident[1] - resident[0];
            System.out.printf("steps 2000 -> 10000: JavaCPP-tracked %+d bytes, resident %+.2f MiB%n", trackedGrowth,
                    residentGrowth / 1048576.0);
            assertTrue(Math.abs(trackedGrowth) < 4096, "JavaCPP-tracked memory grew by " + trackedGrowth + " bytes in 8000 steps");
            assertTrue(residentGrowth < 8L << 20, "resident memory grew by " + (residentGrowth >> 20) + " MiB in 8000 steps");
        }
    }
}
