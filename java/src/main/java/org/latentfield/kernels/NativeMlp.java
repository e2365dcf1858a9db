package org.latentfield.kernels;

import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * liblf's fused fixed-point engine for MLP latent maps (lf_mlp_* in lf.h): f = E(D(.)) as one
 * stack of Linear layers, decoder first, each h -> act(h W^T + b). The whole Picard loop,
 * stopping rule, divergence flags and compaction run natively in one call per chunk of starts.
 * Owns a native plan: close it (safe twice).
 */
public final class NativeMlp implements AutoCloseable {
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

    /**
     * Outcome of a run, indexed by start: endpoints (n x k), iterations, final squared steps,
     * lf_point_state codes, and the recorded trajectories (n x slots x k) or null.
     */
    public record Run(float[] endpoints, int[] iterations, float[] stepSq, byte[] states, float[] trajectories) {}

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

    public int latentDim() {
        return latentDim;
    }

    public Device device() {
        return device;
    }

    /** f(z) for the {@code rows} rows of z (rows x k). */
    public float[] apply(float[] z, int rows) {
        LfNative.Mlp p = open();
        float[] out = new float[rows * latentDim];
        try (PointerScope scope = new PointerScope()) {
            FloatPointer in = new FloatPointer(z), hout = new FloatPointer(Math.max(1, out.length));
            if (device == Device.CPU) {
                NativeKernels.check(LfNative.lf_mlp_apply_cpu(p, rows, in, hout));
            } else {
                try (CudaScope g = new CudaScope()) {
                    FloatPointer d = g.floats(out.length);
                    NativeKernels.check(LfNative.lf_mlp_apply_cuda(p, rows, g.upload(in), d, null));
                    g.download(d, hout, (long) out.length * Float.BYTES);
                }
            }
            hout.get(out);
        }
        return out;
    }

    /**
     * Analytic Jacobians of f at the {@code rows} rows of z (forward mode, one GEMM per layer
     * for all k tangents): rows x k x k, element [p, i, j] = d f_i / d z_j at z_p.
     */
    public float[] jacobians(float[] z, int rows) {
        LfNative.Mlp p = open();
        long size = (long) rows * latentDim * latentDim;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(rows + " Jacobians of " + latentDim + " x " + latentDim + " exceed one Java array");
        }
        float[] out = new float[(int) size];
        try (PointerScope scope = new PointerScope()) {
            FloatPointer in = new FloatPointer(z), hj = new FloatPointer(Math.max(1, size));
            if (device == Device.CPU) {
                NativeKernels.check(LfNative.lf_mlp_jacobians_cpu(p, rows, in, hj));
            } else {
                try (CudaScope g = new CudaScope()) {
                    FloatPointer d = g.floats(size);
                    NativeKernels.check(LfNative.lf_mlp_jacobians_cuda(p, rows, g.upload(in), d, null));
                    g.download(d, hj, size * Float.BYTES);
                }
            }
            hj.get(out);
        }
        return out;
    }

    /**
     * Iterates f from the n rows of z0 (n x k) until each stops: converged when
     * ||z_t - z_{t-1}||^2 &lt; tol, capped at maxIter, diverged past {@code bound} or on NaN/Inf;
     * {@code batch} rows in flight; with {@code recordEvery} &gt; 0 every R-th iterate goes into
     * {@code slots} trajectory slots.
     */
    public Run fixedPoints(float[] z0, int n, double tol, int maxIter, double bound, int batch, int recordEvery, int slots) {
        LfNative.Mlp p = open();
        int k = latentDim;
        long trajLength = recordEvery > 0 ? (long) n * slots * k : 0;
        float[] end = new float[n * k];
        int[] its = new int[n];
        float[] step = new float[n];
        byte[] states = new byte[n];
        float[] traj = recordEvery > 0 ? new float[(int) trajLength] : null;
        try (PointerScope scope = new PointerScope()) {
            LfNative.StopRule rule = new LfNative.StopRule().tol(tol).max_iter(maxIter).divergence_bound(bound);
            FloatPointer hz = new FloatPointer(z0);
            FloatPointer he = new FloatPointer(Math.max(1, end.length)), hs = new FloatPointer(Math.max(1, n));
            IntPointer hi = new IntPointer(Math.max(1, n));
            BytePointer hst = new BytePointer(Math.max(1, n));
            FloatPointer ht = traj == null ? null : new FloatPointer(Math.max(1, trajLength));
            if (device == Device.CPU) {
                NativeKernels.check(LfNative.lf_mlp_fixed_points_cpu(p, n, hz, rule, batch, he, hi, hs, hst, ht, recordEvery, slots));
            } else {
                try (CudaScope g = new CudaScope()) {
                    FloatPointer de = g.floats(end.length), ds = g.floats(n), dt = traj == null ? null : g.floats(trajLength);
                    IntPointer di = g.ints(n);
                    BytePointer dst = g.bytes(n);
                    NativeKernels.check(LfNative.lf_mlp_fixed_points_cuda(p, n, g.upload(hz), rule, batch, de, di, ds, dst, dt,
                            recordEvery, slots, null));
                    g.download(de, he, (long) end.length * Float.BYTES);
                    g.download(di, hi, (long) n * Integer.BYTES);
                    g.download(ds, hs, (long) n * Float.BYTES);
                    g.download(dst, hst, n);
                    if (dt != null) {
                        g.download(dt, ht, trajLength * Float.BYTES);
                    }
                }
            }
            he.get(end);
            hi.get(its);
            hs.get(step);
            hst.get(states);
            if (traj != null) {
                ht.get(traj);
            }
        }
        return new Run(end, its, step, states, traj);
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
