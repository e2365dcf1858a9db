package org.latentfield.kernels;

/**
 * The run stopped because {@link Cancellation#request()} asked it to (the CLI: on SIGINT or
 * SIGTERM). Not a failure of the input: the CLI reports it as an interruption.
 */
public final class CancelledException extends RuntimeException {
    public CancelledException() {
        super("cancelled", null, false, false);
    }
}
