package org.latentfield.kernels;

/**
 * A native kernel returned a status other than LF_OK. The message is lf_last_error(), which
 * names the entry point and the argument that was rejected.
 */
public final class NativeKernelException extends RuntimeException {
    private final int status;

    NativeKernelException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The lf_status code (see lf.h). */
    public int status() {
        return status;
    }
}
