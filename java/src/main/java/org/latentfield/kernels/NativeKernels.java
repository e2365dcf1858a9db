package org.latentfield.kernels;

import org.bytedeco.javacpp.IntPointer;

/**
 * Facade over the native library: the only class outside {@link LfNative} that sees status
 * codes. Every call checks its status and throws {@link NativeKernelException} with the
 * library's own message; no C++ exception reaches the JVM (the C API catches them all).
 */
public final class NativeKernels {
    private NativeKernels() {}

    /** The native library's version, "MAJOR.MINOR.PATCH". */
    public static String version() {
        return LfNative.lf_version().getString();
    }

    /** The JavaCPP version the bindings were built with, or "unknown". */
    public static String javacppVersion() {
        try {
            return org.bytedeco.javacpp.Loader.getVersion();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /**
     * Number of CUDA devices the native library can use: 0 when it was built without CUDA or
     * when the machine has no GPU or driver.
     */
    public static int cudaDeviceCount() {
        try (IntPointer count = new IntPointer(1)) {
            check(LfNative.lf_cuda_device_count(count));
            return count.get();
        }
    }

    /** Bytes of native memory currently allocated through JavaCPP (its deallocator-tracked total). */
    public static long trackedBytes() {
        return org.bytedeco.javacpp.Pointer.totalBytes();
    }

    /** Resident set size of the process in bytes, as the OS reports it. */
    public static long residentBytes() {
        return org.bytedeco.javacpp.Pointer.physicalBytes();
    }

    static void check(int status) {
        if (status != LfNative.LF_OK) {
            throw new NativeKernelException(status, LfNative.lf_last_error().getString());
        }
    }
}
