package org.latentfield.kernels;

import java.util.Locale;
import org.latentfield.LatentfieldException;

/** Where a native kernel runs. Every kernel has a CPU implementation and a CUDA twin. */
public enum Device {
    CPU, CUDA;

    /**
     * Resolves "cpu", "cuda" or "auto" (CUDA when a device is visible, else CPU).
     *
     * @throws LatentfieldException for another spelling, or "cuda" where no device exists
     */
    public static Device resolve(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "cpu":
                return CPU;
            case "auto":
                return NativeKernels.cudaDeviceCount() > 0 ? CUDA : CPU;
            case "cuda":
                if (NativeKernels.cudaDeviceCount() == 0) {
                    throw new LatentfieldException("--device cuda: no CUDA device is visible to liblf (built "
                            + (NativeKernels.builtWithCuda() ? "with" : "without") + " CUDA); use --device cpu or auto.");
                }
                return CUDA;
            default:
                throw new LatentfieldException("--device must be cpu, cuda or auto, got '" + spec + "'.");
        }
    }

    public String spec() {
        return name().toLowerCase(Locale.ROOT);
    }
}
