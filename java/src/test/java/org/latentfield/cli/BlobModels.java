package org.latentfield.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.latentfield.data.ImageSet;
import org.latentfield.data.Npy;
import org.latentfield.map.torch.TorchTrainer;
import org.latentfield.train.MlpArchitecture;
import org.latentfield.train.TrainOptions;

/**
 * Small models and data for end-to-end command tests: 784 -> 32 -> k tanh MLP autoencoders
 * trained for a few epochs (batch 16, lr 1e-3, weight decay 1e-4) on synthetic blob images.
 */
final class BlobModels {
    private BlobModels() {}

    /** Trains a k-dimensional model on {@code data} into {@code model}. */
    static Path train(Path model, ImageSet data, int k, int epochs, long seed) {
        TorchTrainer.train(MlpArchitecture.of(1, 28, 28, new int[] {32}, k, "tanh"), data, data, new TrainOptions(epochs, 16, 1e-3, 1e-4, seed),
                model, e -> { }, (n, loss) -> { });
        return model;
    }

    /** As {@link #train}, also writing a checkpoint after every epoch into {@code checkpoints}. */
    static Path trainWithCheckpoints(Path model, Path checkpoints, ImageSet data, int k, int epochs, long seed) {
        TorchTrainer.train(MlpArchitecture.of(1, 28, 28, new int[] {32}, k, "tanh"), data, data,
                new TrainOptions(epochs, 16, 1e-3, 1e-4, seed, 0, 1.0, 0.0, 1), model, checkpoints, e -> { }, (n, loss) -> { });
        return model;
    }

    /** Writes the images as an (N, 1, 28, 28) float32 .npy that {@code --train}/{@code --test} accept; returns its path. */
    static String npy(Path file, ImageSet images) throws IOException {
        Npy.writeFloat32(file, images.pixels(), images.count(), 1, 28, 28);
        return file.toString();
    }
}
