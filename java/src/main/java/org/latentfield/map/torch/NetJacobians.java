package org.latentfield.map.torch;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.latentfield.kernels.NativeKernelException;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.kernels.NativeNet;

/**
 * Who differentiates a {@link TorchScriptAutoencoder}: LibTorch autograd, or liblf's network
 * engine in forward mode. LibTorch's reverse pass through conv_transpose2d is slow on the CPU
 * (a k = 128 conv Jacobian takes 0.12 to 0.39 s with oneDNN and 3.4 s without; the engine 83 ms),
 * and polishing fixed points takes one Jacobian per distinct fixed point. So for a float32 model
 * on the CPU whose graphs read as a network with at least one convolution ({@link
 * NetChainReader}, by structure), the engine computes the Jacobians, provided they agree with
 * autograd's at two seeded points z ~ N(0, I) within 1e-4 (1 + max |J|). Otherwise, and for
 * every other model, autograd does. f itself is always LibTorch's. Decided on the first
 * Jacobian; {@link #source()} says which, for summaries.
 */
final class NetJacobians implements AutoCloseable {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    static final String AUTOGRAD = "LibTorch autograd";
    private static final long SEED = 20_261_206L;
    private static final int CHECK_POINTS = 2;
    private static final double TOLERANCE = 1e-4;

    private final NativeNet net;
    private final String source;

    private NetJacobians(NativeNet net, String source) {
        this.net = net;
        this.source = source;
    }

    /** The engine, or null where autograd differentiates. */
    NativeNet net() {
        return net;
    }

    /** "LibTorch autograd", or the network engine with the agreement found (and why not, where it was refused). */
    String source() {
        return source;
    }

    static NetJacobians decide(TorchScriptAutoencoder map, TorchJacobians autograd) {
        if (map.calls().device().is_cuda() || !map.contract().dtype().equals("float32")) {
            return new NetJacobians(null, AUTOGRAD);
        }
        List<NativeNet.Layer> layers;
        try {
            layers = NetChainReader.read(map.calls().decodeMethod(), "decode", map.calls().encodeMethod(), "encode", map.contract().latent());
        } catch (GraphRefusal e) {
            return new NetJacobians(null, AUTOGRAD);
        }
        if (layers.stream().noneMatch(l -> l instanceof NativeNet.Conv)) {
            return new NetJacobians(null, AUTOGRAD);
        }
        NativeNet net;
        try {
            net = NativeNet.create(layers);
        } catch (NativeKernelException | IllegalArgumentException e) {
            return new NetJacobians(null, AUTOGRAD + " (liblf's network engine refused the graphs: " + e.getMessage() + ")");
        }
        int k = map.latentDim();
        float[] z = new float[CHECK_POINTS * k];
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) random.nextGaussian();
        }
        float[] engine = net.jacobians(z, CHECK_POINTS);
        float[] reference = autograd.jacobians(z, CHECK_POINTS);
        double diff = 0, scale = 1;
        for (int i = 0; i < engine.length; i++) {
            double d = Math.abs(engine[i] - reference[i]);
            diff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(diff, d);
            scale = Math.max(scale, 1 + Math.abs(reference[i]));
        }
        if (diff > TOLERANCE * scale) {
            net.close();
            return new NetJacobians(null, String.format(Locale.ROOT, "%s (liblf's network engine differs from it by %.3g at %d points)",
                    AUTOGRAD, diff, CHECK_POINTS));
        }
        return new NetJacobians(net, String.format(Locale.ROOT, "liblf network engine, forward mode (agrees with %s within %.2g at %d"
                + " points, allowed %.1e)", AUTOGRAD, diff, CHECK_POINTS, TOLERANCE * scale));
    }

    @Override
    public void close() {
        if (net != null) {
            net.close();
        }
    }
}
