package org.latentfield.kernels;

import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * liblf's fused fixed-point engine for MLP latent maps (lf_mlp_* in lf.h): f = E(D(.)) as one
 * stack of Linear layers, decoder first, each h -> act(h W^T + b). The whole Picard loop,
 * stopping rule, divergence flags and compaction run natively in one call per chunk of starts.
 * Owns a native plan: close it (safe twice).
 */
public final class NativeMlp implements NativeEngine {
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

    private final Device device;
    private final int latentDim;
    private LfNative.Mlp plan;

    private NativeMlp(LfNative.Mlp plan, Device device, int latentDim) {
        this.plan = plan;
        this.device = device;
        this.latentDim = latentDim;
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
    public int latentDim() {
        return latentDim;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public float[] apply(float[] z, int rows) {
        LfNative.Mlp p = open();
        return DeviceCalls.rows(device, z, (long) rows * latentDim, (in, out) -> LfNative.lf_mlp_apply_cpu(p, rows, in, out),
                (in, out, stream) -> LfNative.lf_mlp_apply_cuda(p, rows, in, out, stream));
    }

    /** Analytic Jacobians (forward mode, one GEMM per layer for all k tangents). */
    @Override
    public float[] jacobians(float[] z, int rows) {
        LfNative.Mlp p = open();
        return DeviceCalls.rows(device, z, (long) rows * latentDim * latentDim, (in, out) -> LfNative.lf_mlp_jacobians_cpu(p, rows, in, out),
                (in, out, stream) -> LfNative.lf_mlp_jacobians_cuda(p, rows, in, out, stream));
    }

    @Override
    public NativeRun fixedPoints(float[] z0, int n, double tol, int maxIter, double bound, int batch, int recordEvery, int slots) {
        LfNative.Mlp p = open();
        try (PointerScope scope = new PointerScope()) {
            LfNative.StopRule rule = new LfNative.StopRule().tol(tol).max_iter(maxIter).divergence_bound(bound);
            return DeviceCalls.fixedPoints(device, z0, n, latentDim, recordEvery, slots,
                    (z, e, i, s, st, t) -> LfNative.lf_mlp_fixed_points_cpu(p, n, z, rule, batch, e, i, s, st, t, recordEvery, slots),
                    (z, e, i, s, st, t, stream) -> LfNative.lf_mlp_fixed_points_cuda(p, n, z, rule, batch, e, i, s, st, t, recordEvery, slots,
                            stream));
        }
    }

    private LfNative.Mlp open() {
        if (plan == null) {
            throw new IllegalStateException("the native MLP plan is closed");
        }
        return plan;
    }

    @Override
    public void close() {
        if (plan != null) {
            LfNative.lf_mlp_destroy(plan);
            plan = null;
        }
    }
}
