package org.latentfield.map;

/**
 * A latent map that can keep its iterates in float64: a model that computes in float64 is
 * iterated in float64, so that results agree with a float64 PyTorch loop to its own precision
 * rather than to float32's. Rows are k = latentDim() values, row-major, as in {@link LatentMap}.
 */
public interface Float64Map extends LatentMap {
    /** Whether iterates should be kept in float64 (true for models that compute in float64). */
    boolean iteratesInFloat64();

    /** Writes f(z) for the first {@code rows} rows of {@code in} into {@code out} (both rows x k, row-major). */
    void apply64(double[] in, double[] out, int rows);
}
