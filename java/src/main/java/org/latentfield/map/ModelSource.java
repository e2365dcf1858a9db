package org.latentfield.map;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Where an autoencoder comes from: one TorchScript archive with {@code encode}/{@code decode}
 * methods, or a pair of archives (encoder, decoder) each with {@code forward}.
 *
 * @param model        the archive with encode/decode, or the encoder of a pair
 * @param decoder      the decoder archive of a pair, empty for a single archive
 * @param latentDim    the latent dimension given by the user (used when neither the module's
 *                     {@code latent_dim} attribute nor a model card next to the file gives it)
 * @param device       "cpu", "cuda" or "auto" (CUDA when LibTorch sees a GPU)
 */
public record ModelSource(Path model, Optional<Path> decoder, OptionalInt latentDim, String device) {
    public ModelSource {
        if (model == null) {
            throw new IllegalArgumentException("a model path is required");
        }
        decoder = decoder == null ? Optional.empty() : decoder;
        latentDim = latentDim == null ? OptionalInt.empty() : latentDim;
        if (latentDim.isPresent() && latentDim.getAsInt() < 1) {
            throw new org.latentfield.LatentfieldException("--latent-dim must be a positive integer, got " + latentDim.getAsInt() + ".");
        }
        device = device == null ? "auto" : device;
        if (!device.equals("cpu") && !device.equals("cuda") && !device.equals("auto")) {
            throw new org.latentfield.LatentfieldException("--device must be cpu, cuda or auto, got '" + device + "'.");
        }
    }

    /** A single archive with encode/decode, evaluated on the CPU, latent dimension from the model. */
    public static ModelSource of(Path model) {
        return new ModelSource(model, Optional.empty(), OptionalInt.empty(), "cpu");
    }
}
