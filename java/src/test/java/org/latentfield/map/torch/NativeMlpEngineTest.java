package org.latentfield.map.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.ImageSet;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.data.SyntheticImages;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.map.ModelSource;
import org.latentfield.train.ConvArchitecture;
import org.latentfield.train.MlpArchitecture;
import org.latentfield.train.TrainOptions;

/** The fused native MLP engine against the TorchScript path on trained mlp autoencoders. */
class NativeMlpEngineTest {
    private static final double ENDPOINT_TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    private Path trainMlp(String activation) {
        ImageSet data = SyntheticImages.blobs(96, 3);
        Path model = dir.resolve("mlp-" + activation + ".pt");
        TorchTrainer.train(MlpArchitecture.of(1, 28, 28, new int[] {64, 32}, 3, activation), data, data,
                new TrainOptions(2, 16, 1e-3, 1e-4, 5), model, e -> { }, (n, loss) -> { });
        return model;
    }

    @Test
    void sameFixedPointsAsTheTorchScriptPathForEveryActivation() {
        for (String activation : MlpArchitecture.ACTIVATIONS) {
            try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(trainMlp(activation)))) {
                MlpExtraction.Outcome o = MlpExtraction.extract(map);
                assertTrue(o.ok(), activation + ": " + o.reason());
                assertEquals("3 -> 32 -> 64 -> 784 -> 64 -> 32 -> 3", o.describe());
                assertEquals(NativeMlp.Activation.valueOf(activation.toUpperCase()), o.layers().get(0).activation());
                assertEquals(NativeMlp.Activation.SIGMOID, o.layers().get(2).activation());
                Points z0 = StartPoints.gaussian(300, 3, 2.0, 7);
                FixedPointSolver.Options opts = new FixedPointSolver.Options(1e-8, 500, 1e6, 64, 0);
                FixedPointResult torch = FixedPointSolver.solve(map, z0, opts);
                FixedPointResult nat;
                try (NativeMlp mlp = NativeMlp.create(o.layers(), Device.CPU)) {
                    nat = FixedPointSolver.solveNative(mlp, z0, opts, done -> { });
                }
                int differentCounts = 0;
                double worst = 0;
                for (int i = 0; i < 300; i++) {
                    assertEquals(torch.states()[i], nat.states()[i], activation + ": state of start " + i);
                    if (torch.iterations()[i] != nat.iterations()[i]) {
                        differentCounts++; // a tie with the tolerance: one step apart
                        assertEquals(torch.iterations()[i], nat.iterations()[i], 1, activation + ": iterations of start " + i);
                        continue;
                    }
                    for (int j = 0; j < 3; j++) {
                        worst = Math.max(worst, Math.abs(torch.endpoints().get(i, j) - nat.endpoints().get(i, j)));
                    }
                }
                assertTrue(worst <= ENDPOINT_TOLERANCE, activation + ": endpoints differ by " + worst);
                assertTrue(differentCounts <= 6, activation + ": " + differentCounts + " of 300 iteration counts differ");
            }
        }
    }

    @Test
    void analyticJacobiansMatchAutograd() {
        for (String activation : new String[] {"gelu", "sigmoid"}) {
            try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(trainMlp(activation)))) {
                MlpExtraction.Outcome o = MlpExtraction.extract(map);
                Points z = StartPoints.gaussian(100, 3, 2.0, 9);
                float[] autograd = map.jacobians(z.data(), 100);
                float[] analytic;
                try (org.latentfield.map.NativeEngineMap nat = new org.latentfield.map.NativeEngineMap(NativeMlp.create(o.layers(), Device.CPU), "mlp")) {
                    analytic = nat.jacobians(z.data(), 100);
                }
                double worst = 0;
                for (int i = 0; i < autograd.length; i++) {
                    worst = Math.max(worst, Math.abs(autograd[i] - analytic[i]) / (1 + Math.abs(autograd[i])));
                }
                assertTrue(worst <= 1e-4, activation + ": analytic and autograd Jacobians differ by " + worst);
            }
        }
    }

    @Test
    void convModelsAreRefusedWithAReason() {
        ImageSet data = SyntheticImages.blobs(32, 4);
        Path model = dir.resolve("conv.pt");
        TorchTrainer.train(ConvArchitecture.of(1, 28, 28, 4, 3), data, data, new TrainOptions(1, 16, 1e-3, 1e-4, 5), model, e -> { },
                (n, loss) -> { });
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model))) {
            MlpExtraction.Outcome o = MlpExtraction.extract(map);
            assertFalse(o.ok());
            assertEquals("decode uses aten::conv_transpose2d, which the native engine does not run", o.reason()); // not the crop at its end
        }
    }
}
