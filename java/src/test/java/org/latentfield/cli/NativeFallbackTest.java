package org.latentfield.cli;

import org.latentfield.mining.EngineChoice;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.TestModels;
import org.latentfield.map.torch.TorchScriptAutoencoder;

/**
 * The check after every native run catches a wrong native plan (planted by perturbing one
 * weight of an admitted model): auto repeats the run in LibTorch and says why, native fails.
 */
class NativeFallbackTest {
    private static final FixedPointSolver.Options SOLVER = new FixedPointSolver.Options(1e-8, 2000, 1e6, 64, 0);

    @TempDir
    Path dir;

    private Path model;
    private final Points starts = StartPoints.uniform(200, 2, -60, 60, 4);

    @BeforeEach
    void save() throws Exception {
        model = TestModels.mlp(dir.resolve("mlp.pt"), "z", 4);
    }

    /** The admitted layers with weight (0, 0) of the first layer moved by {@code delta}. */
    private static UnaryOperator<List<NativeMlp.Layer>> perturb(float delta) {
        return layers -> {
            List<NativeMlp.Layer> out = new ArrayList<>(layers);
            NativeMlp.Layer l = out.get(0);
            float[] w = l.weight().clone();
            w[0] += delta;
            out.set(0, new NativeMlp.Layer(l.in(), l.out(), w, l.bias(), l.activation()));
            return out;
        };
    }

    @Test
    void autoFallsBackToLibTorchWhenTheCheckFails() {
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model));
             EngineChoice wrong = EngineChoice.choose("auto", map, "mlp.pt", perturb(0.05f))) {
            assertTrue(wrong.isNative());
            FixedPointResult run = wrong.solve(starts, SOLVER);
            FixedPointResult torch = FixedPointSolver.solve(map, starts, SOLVER);
            assertArrayEquals(torch.endpoints().data(), run.endpoints().data(), "the returned run is LibTorch's");
            assertArrayEquals(torch.iterations(), run.iterations());
            assertFalse(wrong.isNative(), "later runs stay in LibTorch");
            assertTrue(wrong.description().startsWith("torch (the native plan cpu: 2 -> 8 -> 6 -> 8 -> 2 failed the check against"
                    + " LibTorch: at "), wrong.description());
            assertTrue(wrong.description().endsWith("; LibTorch ran instead)"), wrong.description());
            assertTrue(wrong.check().contains("the native f differs from LibTorch's by up to"), wrong.check());
        }
    }

    @Test
    void aRightPlanPassesTheCheckAndKeepsItsRun() {
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model));
             EngineChoice right = EngineChoice.choose("auto", map, "mlp.pt")) {
            FixedPointResult run = right.solve(starts, SOLVER);
            assertTrue(right.isNative());
            assertEquals("native cpu: 2 -> 8 -> 6 -> 8 -> 2", right.description());
            assertTrue(right.check().startsWith("64 points (64 converged) checked against LibTorch: f agrees within"), right.check());
            FixedPointResult torch = FixedPointSolver.solve(map, starts, SOLVER);
            double worst = 0;
            for (int i = 0; i < run.endpoints().data().length; i++) {
                worst = Math.max(worst, Math.abs(run.endpoints().data()[i] - torch.endpoints().data()[i]));
            }
            assertTrue(worst <= 1e-3, "native endpoints (|z*| ~ 30) follow LibTorch's: " + worst);
        }
    }

    @Test
    void nativeFailsInOneSentenceWhenTheCheckFails() {
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model));
             EngineChoice wrong = EngineChoice.choose("native", map, "mlp.pt", perturb(0.05f))) {
            LatentfieldException e = assertThrows(LatentfieldException.class, () -> wrong.solve(starts, SOLVER));
            assertTrue(e.getMessage().startsWith("--engine native: the native engine's results for the model mlp.pt failed the check"
                    + " against LibTorch: at "), e.getMessage());
            assertTrue(e.getMessage().endsWith("; use --engine torch."), e.getMessage());
        }
    }
}
