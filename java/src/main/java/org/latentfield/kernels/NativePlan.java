package org.latentfield.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * What the fused engines ({@link NativeMlp}, {@link NativeNet}) share: an owned native plan of
 * type P on a device, and f, its Jacobians and the Picard loop from Java arrays, through the CPU
 * entry point on host memory or the CUDA twin on device copies (uploaded and downloaded around
 * the call, default stream). A subclass binds its plan's entry points. Closing is safe twice.
 */
abstract class NativePlan<P extends Pointer> implements NativeEngine {
    private final int latentDim;
    private final Device device;
    private final String what;
    private P plan;

    /** {@code what} names the plan in "the native ... plan is closed". */
    NativePlan(P plan, Device device, int latentDim, String what) {
        this.plan = plan;
        this.device = device;
        this.latentDim = latentDim;
        this.what = what;
    }

    abstract int applyCpu(P p, long rows, FloatPointer in, FloatPointer out);

    abstract int applyCuda(P p, long rows, FloatPointer in, FloatPointer out, Pointer stream);

    abstract int jacobiansCpu(P p, long rows, FloatPointer z, FloatPointer jacobians);

    abstract int jacobiansCuda(P p, long rows, FloatPointer z, FloatPointer jacobians, Pointer stream);

    abstract int loopCpu(P p, long n, FloatPointer z0, LfNative.StopRule rule, long batch, FloatPointer endpoints, IntPointer iterations,
                         FloatPointer stepSq, BytePointer states, FloatPointer traj, int recordEvery, int slots);

    abstract int loopCuda(P p, long n, FloatPointer z0, LfNative.StopRule rule, long batch, FloatPointer endpoints, IntPointer iterations,
                          FloatPointer stepSq, BytePointer states, FloatPointer traj, int recordEvery, int slots, Pointer stream);

    abstract int destroy(P p);

    @Override
    public final int latentDim() {
        return latentDim;
    }

    @Override
    public final Device device() {
        return device;
    }

    @Override
    public final float[] apply(float[] z, int rows) {
        P p = open();
        return rows(z, (long) rows * latentDim, (in, out) -> applyCpu(p, rows, in, out), (in, out, s) -> applyCuda(p, rows, in, out, s));
    }

    @Override
    public final float[] jacobians(float[] z, int rows) {
        P p = open();
        return rows(z, (long) rows * latentDim * latentDim, (in, out) -> jacobiansCpu(p, rows, in, out),
                (in, out, s) -> jacobiansCuda(p, rows, in, out, s));
    }

    @Override
    public final NativeRun fixedPoints(float[] z0, int n, double tol, int maxIter, double bound, int batch, int recordEvery, int slots) {
        P p = open();
        int k = latentDim;
        return NativeRun.collect(n, k, recordEvery, slots, (he, hi, hs, hst, ht) -> {
            try (PointerScope scope = new PointerScope()) {
                LfNative.StopRule rule = new LfNative.StopRule().tol(tol).max_iter(maxIter).divergence_bound(bound);
                FloatPointer hz = new FloatPointer(z0);
                if (device == Device.CPU) {
                    NativeKernels.check(loopCpu(p, n, hz, rule, batch, he, hi, hs, hst, ht, recordEvery, slots));
                    return;
                }
                long trajLength = ht == null ? 0 : (long) n * slots * k;
                try (CudaScope g = new CudaScope()) {
                    FloatPointer de = g.floats(Math.max(1, (long) n * k)), ds = g.floats(Math.max(1, n));
                    FloatPointer dt = ht == null ? null : g.floats(trajLength);
                    IntPointer di = g.ints(Math.max(1, n));
                    BytePointer dst = g.bytes(Math.max(1, n));
                    NativeKernels.check(loopCuda(p, n, g.upload(hz), rule, batch, de, di, ds, dst, dt, recordEvery, slots, null));
                    g.download(de, he, (long) n * k * Float.BYTES);
                    g.download(di, hi, (long) n * Integer.BYTES);
                    g.download(ds, hs, (long) n * Float.BYTES);
                    g.download(dst, hst, n);
                    if (dt != null) {
                        g.download(dt, ht, trajLength * Float.BYTES);
                    }
                }
            }
        });
    }

    @Override
    public final void close() {
        if (plan != null) {
            destroy(plan);
            plan = null;
        }
    }

    private P open() {
        if (plan == null) {
            throw new IllegalStateException("the native " + what + " plan is closed");
        }
        return plan;
    }

    private interface Cpu {
        int call(FloatPointer in, FloatPointer out);
    }

    private interface Cuda {
        int call(FloatPointer in, FloatPointer out, Pointer stream);
    }

    /** {@code outCount} floats computed from {@code in} by the entry point of this plan's device. */
    private float[] rows(float[] in, long outCount, Cpu cpu, Cuda cuda) {
        if (outCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(outCount + " values exceed one Java array");
        }
        float[] out = new float[(int) outCount];
        try (PointerScope scope = new PointerScope()) {
            FloatPointer hin = new FloatPointer(in), hout = new FloatPointer(Math.max(1, outCount));
            if (device == Device.CPU) {
                NativeKernels.check(cpu.call(hin, hout));
            } else {
                try (CudaScope g = new CudaScope()) {
                    FloatPointer d = g.floats(Math.max(1, outCount));
                    NativeKernels.check(cuda.call(g.upload(hin), d, null));
                    g.download(d, hout, outCount * Float.BYTES);
                }
            }
            hout.get(out);
        }
        return out;
    }
}
