package org.latentfield.kernels;

import org.bytedeco.javacpp.IntPointer;

/**
 * Facade over the native library: the only class outside {@link LfNative} that sees status
 * codes. Every call checks its status and throws {@link NativeKernelException} with the
 * library's own message, or {@link CancelledException} for LF_CANCELLED; no C++ exception
 * reaches the JVM (the C API catches them all).
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

    /** True when liblf was compiled with its CUDA twins (nvcc was found at build time). */
    public static boolean builtWithCuda() {
        return !gemmProviders().contains("cuda=absent");
    }

    /**
     * The GEMM providers the kernels use, e.g. "cpu=cblas:/.../libopenblas.so.0 cuda=builtin".
     * The first call opens the OpenBLAS of the JavaCPP preset (see lf_blas_open); where that
     * fails the kernels keep their built-in GEMM and stay correct, only slower.
     */
    public static synchronized String gemmProviders() {
        openBlasOnce();
        try (org.bytedeco.javacpp.PointerPointer<org.bytedeco.javacpp.BytePointer> out = new org.bytedeco.javacpp.PointerPointer<>(1)) {
            check(LfNative.lf_gemm_provider(out));
            return out.get(org.bytedeco.javacpp.BytePointer.class, 0).getString();
        }
    }

    private static boolean blasTried;

    /** Hands liblf the OpenBLAS that the JavaCPP preset extracted (once per process). */
    static synchronized void openBlasOnce() {
        if (blasTried) {
            return;
        }
        blasTried = true;
        NativeLibraries.prepare();
        try {
            String jni = org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
            java.nio.file.Path lib = jni == null ? null : java.nio.file.Path.of(jni).resolveSibling("libopenblas.so.0");
            if (lib != null && java.nio.file.Files.exists(lib)) {
                LfNative.lf_blas_open(new org.bytedeco.javacpp.BytePointer(lib.toString()));
            }
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            // the built-in GEMM stays in use; gemmProviders() says so
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
        if (status == LfNative.LF_CANCELLED) {
            throw new CancelledException();
        }
        if (status != LfNative.LF_OK) {
            throw new NativeKernelException(status, LfNative.lf_last_error().getString());
        }
    }
}
