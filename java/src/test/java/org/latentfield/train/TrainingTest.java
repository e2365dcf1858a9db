package org.latentfield.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.ImageSet;
import org.latentfield.data.SyntheticImages;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.TestModels;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.map.torch.TorchTrainer;

class TrainingTest {
    @TempDir
    Path dir;

    @Test
    void convArchitectureHasThePapersShapes() {
        Architecture a = ConvArchitecture.of(1, 28, 28, 16, 16);
        assertEquals(16, a.latentDim());
        // 4 convs + 2 linear + 4 transposed convs, weight and bias each
        assertEquals(20, a.parameters().size());
        assertEquals(211_089, a.parameterCount());
        assertTrue(a.source().contains("torch.constant_pad_nd(x, [2, 2, 2, 2], 0.0)"), "28 x 28 is padded to 32 x 32");
    }

    @Test
    void shortTrainingLowersTheLossAndReloadsAsALatentMap() throws Exception {
        Architecture arch = ConvArchitecture.of(1, 28, 28, 4, 4);
        ImageSet train = SyntheticImages.blobs(256, 1);
        ImageSet test = SyntheticImages.blobs(64, 2);
        Path model = dir.resolve("blobs.pt");
        List<EpochRecord> log = new ArrayList<>();
        TorchTrainer.train(arch, train, test, new TrainOptions(6, 32, 5e-3, 0, 7), model, log::add, (n, loss) -> { });
        double first = log.get(0).trainMse();
        double last = log.get(log.size() - 1).testMse();
        assertTrue(last < first / 2, "test MSE after 6 epochs " + last + " vs first-epoch train MSE " + first);
        assertEquals(last, TorchTrainer.meanSquaredError(model, test), 1e-6, "the saved model is the trained one");
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model))) {
            assertEquals(4, map.latentDim());
            assertEquals("module attribute latent_shape", map.contract().latentSource());
            assertEquals("1 x 28 x 28", map.contract().input().toString(), "the module carries input_shape");
            assertEquals("module attribute input_shape", map.contract().inputSource());
            for (float v : TestModels.apply(map, new float[12], 3)) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void mlpWithScheduleNoiseAndCheckpoints() throws Exception {
        Architecture arch = MlpArchitecture.of(1, 28, 28, new int[] {64, 32}, 2, "tanh");
        assertEquals(784 * 64 + 64 + 64 * 32 + 32 + 32 * 2 + 2 + 2 * 32 + 32 + 32 * 64 + 64 + 64 * 784 + 784, arch.parameterCount());
        TrainOptions o = new TrainOptions(4, 32, 4e-3, 0, 5, 2, 0.5, 0.05, 2);
        assertEquals(4e-3, o.lrAt(1), 0);
        assertEquals(4e-3, o.lrAt(2), 0);
        assertEquals(2e-3, o.lrAt(3), 0);
        assertEquals(2e-3, o.lrAt(4), 0);
        ImageSet data = SyntheticImages.blobs(256, 9);
        Path ck = java.nio.file.Files.createDirectories(dir.resolve("ck"));
        List<EpochRecord> log = new ArrayList<>();
        TorchTrainer.train(arch, data, data, o, dir.resolve("mlp.pt"), ck, log::add, (n, loss) -> { });
        assertTrue(log.get(3).testMse() < log.get(0).trainMse() / 2, "loss fell: " + log);
        assertTrue(java.nio.file.Files.exists(ck.resolve("epoch-0002.pt")) && java.nio.file.Files.exists(ck.resolve("epoch-0004.pt")));
        assertEquals(log.get(1).testMse(), TorchTrainer.meanSquaredError(ck.resolve("epoch-0002.pt"), data), 1e-6,
                "a checkpoint is the model as it was after its epoch");
    }

    @Test
    void sameSeedSameModel() throws Exception {
        Architecture arch = ConvArchitecture.of(1, 28, 28, 2, 3);
        ImageSet train = SyntheticImages.blobs(64, 3);
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        TorchTrainer.train(arch, train, train, new TrainOptions(2, 16, 1e-3, 1e-4, 11), dir.resolve("a.pt"), e -> a.add(e.testMse()), (n, loss) -> { });
        TorchTrainer.train(arch, train, train, new TrainOptions(2, 16, 1e-3, 1e-4, 11), dir.resolve("b.pt"), e -> b.add(e.testMse()), (n, loss) -> { });
        assertEquals(a, b);
    }
}
