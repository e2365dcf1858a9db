package org.latentfield.map;

import java.nio.file.Path;
import java.util.Optional;
import org.latentfield.LatentfieldException;

/**
 * Where an autoencoder comes from: one TorchScript archive with {@code encode}/{@code decode}
 * methods, or a pair of archives (encoder, decoder) each with {@code forward}.
 *
 * @param model        the archive with encode/decode, or the encoder of a pair
 * @param decoder      the decoder archive of a pair, empty for a single archive
 * @param latentShape  the latent shape given by the user ({@code --latent-shape C,H,W} or
 *                     {@code --latent-dim K}); used when neither the module nor its model card
 *                     declares one, and checked against them when they do
 * @param inputShape   the shape of one encoder input given by the user ({@code --input-shape
 *                     C,H,W} or {@code D}); the same rules
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
public record ModelSource(Path model, Optional<Path> decoder, Optional<Shape> latentShape, Optional<Shape> inputShape, String device,
                          int evalBatch, int threads) {
    /**
     * Default micro-batch. Measured on the Fashion-MNIST conv k = 16 model with 2 threads: 32 rows
     * per call evaluate 10.9k rows/s, 64 rows 2.8k, 256 rows 3.6k, 1024 rows 5.3k
     * (benchmarks/RESULTS.md).
     */
    public static final int DEFAULT_EVAL_BATCH = 32;

    public ModelSource(Path model, Optional<Path> decoder, Optional<Shape> latentShape, String device) {
        this(model, decoder, latentShape, Optional.empty(), device, DEFAULT_EVAL_BATCH, 0);
    }

    public ModelSource {
        if (evalBatch < 0) {
            throw new LatentfieldException("--eval-batch must be a positive integer (or 0 for whole calls), got " + evalBatch + ".");
        }
        if (threads < 0) {
            throw new LatentfieldException("--threads must be a positive integer, got " + threads + ".");
        }
        if (model == null) {
            throw new IllegalArgumentException("a model path is required");
        }
        decoder = decoder == null ? Optional.empty() : decoder;
        latentShape = latentShape == null ? Optional.empty() : latentShape;
        inputShape = inputShape == null ? Optional.empty() : inputShape;
        device = device == null ? "auto" : device;
        if (!device.equals("cpu") && !device.equals("cuda") && !device.equals("auto")) {
            throw new LatentfieldException("--device must be cpu, cuda or auto, got '" + device + "'.");
        }
    }

    /** A single archive with encode/decode, evaluated on the CPU, latent dimension from the model. */
    public static ModelSource of(Path model) {
        return new ModelSource(model, Optional.empty(), Optional.empty(), "cpu");
    }

    /** The same source with another micro-batch size (0: whole calls). */
    public ModelSource withEvalBatch(int rows) {
        return new ModelSource(model, decoder, latentShape, inputShape, device, rows, threads);
    }

    /** The same source with another core count (0: all). */
    public ModelSource withThreads(int cores) {
        return new ModelSource(model, decoder, latentShape, inputShape, device, evalBatch, cores);
    }

    /** The same source with a user-given latent shape. */
    public ModelSource withLatentShape(Shape shape) {
        return new ModelSource(model, decoder, Optional.of(shape), inputShape, device, evalBatch, threads);
    }

    /** The same source with a user-given input shape. */
    public ModelSource withInputShape(Shape shape) {
        return new ModelSource(model, decoder, latentShape, Optional.of(shape), device, evalBatch, threads);
    }

    /** The same source for another archive (a checkpoint of a series, one model of a sweep), every other option kept. */
    public ModelSource withModel(Path other) {
        return new ModelSource(other, decoder, latentShape, inputShape, device, evalBatch, threads);
    }

    /** The number of cores {@link #threads()} stands for. */
    public int cores() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
