package org.latentfield.map;

/** A latent map whose Jacobians can be evaluated: J_f(z)[i, j] = d f_i / d z_j. */
public interface DifferentiableMap extends LatentMap {
    /**
     * The Jacobians of f at the n rows of {@code z} (n x k, row-major): n x k x k, row-major,
     * element [p, i, j] = d f_i / d z_j at z_p.
     */
    float[] jacobians(float[] z, int n);
}
