package org.latentfield.kernels;

import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * liblf's fused fixed-point engine for MLP latent maps (lf_mlp_* in lf.h): f = E(D(.)) as one
 * stack of Linear layers, decoder first, each h -> act(h W^T + b). The whole Picard loop,
 * stopping rule, divergence flags and compaction run natively in one call per chunk of starts.
 * Owns a native plan: close it (safe twice).
 */
public final class NativeMlp extends NativePlan<LfNative.Mlp> {
    /** Activations, in lf_activation order. GELU is the exact (erf) form, PyTorch's default. */
    public enum Activation { IDENTITY, RELU, TANH, SIGMOID, GELU }

    /**
     * One layer: {@code weight} is out x in row-major (PyTorch's layout), {@code bias} of length
     * out or null.
     */
    public record Layer(int in, int out, float[] weight, float[] bias, Activation activation) {
        public Layer {
            if (in < 1 || out < 1 || weight.length != (long) in * out || (bias != null && bias.length != out)) {
                throw new IllegalArgumentException("layer " + in + " -> " + out + " with " + weight.length + " weights and "
                        + (bias == null ? "no" : bias.length) + " biases");
            }
        }
    }

    private NativeMlp(LfNative.Mlp plan, Device device, int latentDim) {
        super(plan, device, latentDim, "MLP");
    }

    /** Builds a plan (weights copied; uploaded for CUDA). */
    public static NativeMlp create(List<Layer> layers, Device device) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("an MLP needs at least one layer");
        }
        NativeKernels.openBlasOnce();
        try (PointerScope scope = new PointerScope()) {
            LfNative.MlpLayer array = new LfNative.MlpLayer(layers.size());
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                array.position(i).inputs(l.in()).outputs(l.out()).weight(new FloatPointer(l.weight()))
                        .bias(l.bias() == null ? null : new FloatPointer(l.bias())).activation(l.activation().ordinal());
            }
            array.position(0);
            PointerPointer<LfNative.Mlp> out = new PointerPointer<>(1);
            NativeKernels.check(LfNative.lf_mlp_create(array, layers.size(), device == Device.CUDA ? 1 : 0, out));
            LfNative.Mlp plan = new LfNative.Mlp(out.get(0));
            return new NativeMlp(plan, device, layers.get(0).in());
        }
    }

    @Override
    int applyCpu(LfNative.Mlp p, long rows, FloatPointer in, FloatPointer out) {
        return LfNative.lf_mlp_apply_cpu(p, rows, in, out);
    }

    @Override
    int applyCuda(LfNative.Mlp p, long rows, FloatPointer in, FloatPointer out, Pointer stream) {
        return LfNative.lf_mlp_apply_cuda(p, rows, in, out, stream);
    }

    @Override
    int jacobiansCpu(LfNative.Mlp p, long rows, FloatPointer z, FloatPointer jacobians) {
        return LfNative.lf_mlp_jacobians_cpu(p, rows, z, jacobians);
    }

    @Override
    int jacobiansCuda(LfNative.Mlp p, long rows, FloatPointer z, FloatPointer jacobians, Pointer stream) {
        return LfNative.lf_mlp_jacobians_cuda(p, rows, z, jacobians, stream);
    }

    @Override
    int loopCpu(LfNative.Mlp p, long n, FloatPointer z0, LfNative.StopRule rule, long batch, FloatPointer endpoints, IntPointer iterations,
                FloatPointer stepSq, BytePointer states, FloatPointer traj, int recordEvery, int slots) {
        return LfNative.lf_mlp_fixed_points_cpu(p, n, z0, rule, batch, endpoints, iterations, stepSq, states, traj, recordEvery, slots);
    }

    @Override
    int loopCuda(LfNative.Mlp p, long n, FloatPointer z0, LfNative.StopRule rule, long batch, FloatPointer endpoints, IntPointer iterations,
                 FloatPointer stepSq, BytePointer states, FloatPointer traj, int recordEvery, int slots, Pointer stream) {
        return LfNative.lf_mlp_fixed_points_cuda(p, n, z0, rule, batch, endpoints, iterations, stepSq, states, traj, recordEvery, slots,
                stream);
    }

    @Override
    int destroy(LfNative.Mlp p) {
        return LfNative.lf_mlp_destroy(p);
    }
}
