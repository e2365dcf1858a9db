package org.latentfield.train;

import java.util.List;

/**
 * An autoencoder written as TorchScript source for {@code JitModule.define}, with the
 * parameters its source refers to as {@code self.NAME}. The source defines {@code encode}
 * (N x input_shape -> N x latent_shape), {@code decode} (back) and {@code forward}; the module
 * also carries the attributes {@code input_shape} (List[int]), {@code latent_shape} (List[int])
 * and {@code latent_dim} (int, the product of latent_shape).
 *
 * @param name        e.g. "conv"
 * @param source      TorchScript methods
 * @param parameters  every parameter, in registration order
 * @param latentShape the shape of one code: {k} for a flat latent, {c, h, w} for a spatial one
 * @param inputShape  the shape of one input, e.g. C, H, W
 */
public record Architecture(String name, String source, List<Parameter> parameters, int[] latentShape, int[] inputShape) {
    public Architecture {
        latentShape = latentShape.clone();
        inputShape = inputShape.clone();
    }

    @Override
    public int[] latentShape() {
        return latentShape.clone();
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** k = prod(latent_shape). */
    public int latentDim() {
        int k = 1;
        for (int s : latentShape) {
            k *= s;
        }
        return k;
    }

    /**
     * A parameter tensor and its initialisation: uniform in [-b, b] with b = 1 / sqrt(fanIn),
     * PyTorch's default for Linear and Conv layers (kaiming_uniform with a = sqrt(5) for
     * weights, the same bound for biases).
     */
    public record Parameter(String name, long[] shape, long fanIn) {}

    /** Total number of scalars over all parameters. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters) {
            long s = 1;
            for (long d : p.shape()) {
                s *= d;
            }
            n += s;
        }
        return n;
    }
}
