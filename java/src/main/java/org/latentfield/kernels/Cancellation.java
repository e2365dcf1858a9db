package org.latentfield.kernels;

/**
 * Cancellation of the run in progress: one process-wide flag, mirrored in liblf (lf_cancel_* in
 * lf.h). {@link #request()} makes the long native calls return at their next step or chunk
 * (LF_CANCELLED, thrown as {@link CancelledException}) and the Java loops that call
 * {@link #check()} between batches (fixed-point solvers, training steps, LibTorch batch loops)
 * throw the same exception; the run unwinds through its try-with-resources blocks, so native
 * memory is freed and staged outputs are deleted, on the thread that allocated them.
 *
 * <p>Why a global: a signal (SIGINT, SIGTERM) is addressed to the process, not to a run, and the
 * JVM must not exit while a thread is still inside liblf or its BLAS (exit-time destructors
 * free the BLAS's buffers under it: a SIGSEGV). The CLI sets the flag from its signal handler
 * and exits once the command has returned; a program running several commands in one JVM
 * {@link #clear()}s it before each.
 */
public final class Cancellation {
    private static volatile boolean requested;

    private Cancellation() {}

    /** Asks the run in progress, native calls included, to stop. Safe from any thread, idempotent. */
    public static void request() {
        requested = true;
        try {
            LfNative.lf_cancel_request();
        } catch (LinkageError e) {
            // liblf cannot be loaded: no native call can be running either
        }
    }

    /** Lets new runs go ahead (the flag is never cleared behind a caller's back). */
    public static void clear() {
        requested = false;
        try {
            LfNative.lf_cancel_clear();
        } catch (LinkageError e) {
            // liblf cannot be loaded; the command will say so when it needs it
        }
    }

    /** Whether a cancellation was requested and not cleared since. */
    public static boolean requested() {
        return requested;
    }

    /**
     * Throws {@link CancelledException} once a cancellation was requested: called by long loops
     * between steps, where stopping leaves nothing half-done (a volatile read: cheap).
     */
    public static void check() {
        if (requested) {
            throw new CancelledException();
        }
    }

    /**
     * Ends the process at once with {@code status}, without shutdown hooks, atexit handlers or
     * library destructors (POSIX {@code _exit}): the last resort of a CLI whose run did not stop
     * in time, for which an ordinary exit could crash while a thread is still in native code.
     * Falls back to {@link Runtime#halt} when liblf cannot be loaded (then no thread is in it).
     */
    public static void exitImmediately(int status) {
        try {
            LfNative._exit(status);
        } catch (LinkageError e) {
            Runtime.getRuntime().halt(status);
        }
    }
}
