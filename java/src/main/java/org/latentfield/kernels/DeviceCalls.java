package org.latentfield.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * The host/device plumbing the fused engines ({@link NativeMlp}, {@link NativeNet}) share: Java
 * arrays in, the CPU entry point on host memory or the CUDA twin on device copies (uploaded and
 * downloaded around the call, on the default stream), Java arrays out.
 */
final class DeviceCalls {
    private DeviceCalls() {}

    /** A CPU entry point from rows of {@code in} to {@code out}: its lf_status. */
    interface Cpu {
        int call(FloatPointer in, FloatPointer out);
    }

    /** Its CUDA twin on device pointers and a stream: its lf_status. */
    interface Cuda {
        int call(FloatPointer in, FloatPointer out, Pointer stream);
    }

    /** The Picard loop's CPU entry point on host buffers (traj null unless recording). */
    interface CpuLoop {
        int call(FloatPointer z0, FloatPointer endpoints, IntPointer iterations, FloatPointer stepSq, BytePointer states, FloatPointer traj);
    }

    /** Its CUDA twin on device buffers. */
    interface CudaLoop {
        int call(FloatPointer z0, FloatPointer endpoints, IntPointer iterations, FloatPointer stepSq, BytePointer states, FloatPointer traj,
                 Pointer stream);
    }

    /** {@code outCount} floats computed from {@code in} by the entry point of {@code device}. */
    static float[] rows(Device device, float[] in, long outCount, Cpu cpu, Cuda cuda) {
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

    /** The whole Picard loop from the n rows of z0 (dimension k) on {@code device}. */
    static NativeRun fixedPoints(Device device, float[] z0, int n, int k, int recordEvery, int slots, CpuLoop cpu, CudaLoop cuda) {
        return NativeRun.collect(n, k, recordEvery, slots, (he, hi, hs, hst, ht) -> {
            try (PointerScope scope = new PointerScope()) {
                FloatPointer hz = new FloatPointer(z0);
                if (device == Device.CPU) {
                    NativeKernels.check(cpu.call(hz, he, hi, hs, hst, ht));
                    return;
                }
                long trajLength = ht == null ? 0 : (long) n * slots * k;
                try (CudaScope g = new CudaScope()) {
                    FloatPointer de = g.floats(Math.max(1, (long) n * k)), ds = g.floats(Math.max(1, n));
                    FloatPointer dt = ht == null ? null : g.floats(trajLength);
                    IntPointer di = g.ints(Math.max(1, n));
                    BytePointer dst = g.bytes(Math.max(1, n));
                    NativeKernels.check(cuda.call(g.upload(hz), de, di, ds, dst, dt, null));
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
}
