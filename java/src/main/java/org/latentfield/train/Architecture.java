package org.latentfield.train;

import java.util.List;

/**
 * An autoencoder written as TorchScript source for {@code JitModule.define}, with the
 * parameters its source refers to as {@code self.NAME}. The source defines {@code encode},
 * {@code decode} and {@code forward}; the module also carries the attributes {@code latent_dim} (int) and {@code input_shape} (List[int], C x H x W).
 *
 * @param name       e.g. "conv"
 * @param source     TorchScript methods
 * @param parameters every parameter, in registration order
 * @param latentDim  k
 * @param inputShape C, H, W of one input
 */
public record Architecture(String name, String source, List<Parameter> parameters, int latentDim, int[] inputShape) {

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
