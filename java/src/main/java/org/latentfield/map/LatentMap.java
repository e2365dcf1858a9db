package org.latentfield.map;

import org.latentfield.kernels.NativeMatrix;

/**
 * The latent map f: R^k -> R^k of an autoencoder, f(z) = E(D(z)) (PAPER.md section 1).
 * Iterating it, z_{t+1} = f(z_t), gives the latent dynamics whose fixed points f(z*) = z*
 * the engine mines. Implementations hold native resources and must be closed.
 */
public interface LatentMap extends AutoCloseable {
    /** The latent dimension k. */
    int latentDim();

    /** Where the map is evaluated, e.g. "cpu" or "cuda:0". */
    String device();

    /**
     * Writes f(z) for the first {@code rows} rows of {@code in} into the first {@code rows}
     * rows of {@code out}. Both matrices are k columns wide and must not be the same buffer.
     * Rows are independent: the value for a row never depends on the other rows of the batch
     * (up to floating-point reassociation in batched kernels).
     *
     * @throws org.latentfield.LatentfieldException if the model fails or returns a wrong shape
     */
    void apply(NativeMatrix in, NativeMatrix out, int rows);

    @Override
    void close();
}
