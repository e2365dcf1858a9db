package org.latentfield.kernels;

/**
 * A latent map f = E(D(.)) run entirely by liblf: the MLP engine ({@link NativeMlp}) or the
 * network engine ({@link NativeNet}). Both evaluate f, give analytic Jacobians in forward mode and
 * run the whole Picard loop (stopping rule, divergence flags, compaction) in one native call.
 * Owns a native plan: close it (safe twice).
 */
public interface NativeEngine extends AutoCloseable {
    int latentDim();

    /** Where the plan runs. */
    Device device();

    /** f(z) for the {@code rows} rows of z (rows x k). */
    float[] apply(float[] z, int rows);

    /** Jacobians at the {@code rows} rows of z: rows x k x k, element [p, i, j] = d f_i / d z_j at z_p. */
    float[] jacobians(float[] z, int rows);

    /**
     * Iterates f from the n rows of z0 (n x k) until each stops: converged when
     * ||z_t - z_{t-1}||^2 &lt; tol, capped at maxIter, diverged past {@code bound} or on NaN/Inf;
     * {@code batch} rows in flight; with {@code recordEvery} &gt; 0 every R-th iterate goes into
     * {@code slots} trajectory slots.
     */
    NativeRun fixedPoints(float[] z0, int n, double tol, int maxIter, double bound, int batch, int recordEvery, int slots);

    @Override
    void close();
}
