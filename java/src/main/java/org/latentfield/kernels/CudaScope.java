package org.latentfield.kernels;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Device buffers for one CUDA kernel call, freed together when the scope closes (also after a
 * failure). Copies run on the default stream; {@link #download} synchronizes before it returns.
 */
final class CudaScope implements AutoCloseable {
    private final List<Pointer> buffers = new ArrayList<>();

    private Pointer allocate(long bytes) {
        try (PointerPointer<Pointer> out = new PointerPointer<>(1)) {
            NativeKernels.check(LfNative.lf_cuda_malloc(out, Math.max(bytes, 1)));
            Pointer p = out.get(0);
            buffers.add(p);
            return p;
        }
    }

    FloatPointer floats(long count) {
        return new FloatPointer(allocate(count * Float.BYTES));
    }

    IntPointer ints(long count) {
        return new IntPointer(allocate(count * Integer.BYTES));
    }

    LongPointer longs(long count) {
        return new LongPointer(allocate(count * Long.BYTES));
    }

    BytePointer bytes(long count) {
        return new BytePointer(allocate(count));
    }

    FloatPointer upload(FloatPointer host) {
        FloatPointer d = floats(host.limit());
        NativeKernels.check(LfNative.lf_cuda_copy_to_device(d, host, host.limit() * Float.BYTES, null));
        return d;
    }

    BytePointer upload(BytePointer host) {
        BytePointer d = bytes(host.limit());
        NativeKernels.check(LfNative.lf_cuda_copy_to_device(d, host, host.limit(), null));
        return d;
    }

    /** Copies {@code host.limit()} elements of {@code device} into {@code host} and waits for it. */
    void download(Pointer device, Pointer host, long bytes) {
        NativeKernels.check(LfNative.lf_cuda_copy_to_host(host, device, bytes, null));
        NativeKernels.check(LfNative.lf_cuda_stream_synchronize(null));
    }

    @Override
    public void close() {
        for (Pointer p : buffers) {
            LfNative.lf_cuda_free(p);
        }
        buffers.clear();
    }
}
