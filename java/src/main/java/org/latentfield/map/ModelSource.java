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
 * @param evalBatch    rows per LibTorch call: every evaluation is cut into micro-batches of
 *                     exactly this many rows, the last one zero-padded, so the value computed
 *                     for a row never depends on how many other rows are evaluated with it
 *                     (LibTorch picks different kernels for different batch shapes); 0 evaluates
 *                     each call whole, as a plain PyTorch loop would
 * @param threads      CPU cores to use, 0 for all. With micro-batches they are evaluated that
 *                     many at a time, each by one LibTorch thread; with whole calls LibTorch
 *                     uses that many intra-op threads
 */
public record ModelSource(Path model, Optional<Path> decoder, OptionalInt latentDim, String device, int evalBatch, int threads) {
    /**
     * Default micro-batch. Measured on the Fashion-MNIST conv k = 16 model with 2 threads: 32 rows
     * per call evaluate 10.9k rows/s, 64 rows 2.8k, 256 rows 3.6k, 1024 rows 5.3k
     * (benchmarks/RESULTS.md).
     */
    public static final int DEFAULT_EVAL_BATCH = 32;

    public ModelSource(Path model, Optional<Path> decoder, OptionalInt latentDim, String device) {
        this(model, decoder, latentDim, device, DEFAULT_EVAL_BATCH, 0);
    }

    public ModelSource {
        if (evalBatch < 0) {
            throw new org.latentfield.LatentfieldException("--eval-batch must be a positive integer (or 0 for whole calls), got " + evalBatch + ".");
        }
        if (threads < 0) {
            throw new org.latentfield.LatentfieldException("--threads must be a positive integer, got " + threads + ".");
        }
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

    /** The same source with another micro-batch size (0: whole calls). */
    public ModelSource withEvalBatch(int rows) {
        return new ModelSource(model, decoder, latentDim, device, rows, threads);
    }

    /** The same source with another core count (0: all). */
    public ModelSource withThreads(int cores) {
        return new ModelSource(model, decoder, latentDim, device, evalBatch, cores);
    }

    /** The number of cores {@link #threads()} stands for. */
    public int cores() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
