package org.latentfield.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.latentfield.kernels.Cancellation;
import sun.misc.Signal;

/**
 * SIGINT, SIGTERM and SIGHUP in the CLI process: the run in progress is cancelled and the
 * process exits only after the command has unwound.
 *
 * <p>Why not the JVM's own handling: on these signals the JVM runs its shutdown and calls
 * exit(), whose atexit handlers and library destructors (OpenBLAS frees its buffers) run while
 * the main thread is still inside a native call. A thread inside liblf's fused loop then
 * crashes in cblas_sgemm (SIGSEGV, an hs_err_pid*.log, sometimes a hung JVM), and the
 * try-with-resources blocks that delete staged outputs never run. Here the handler only sets
 * {@link Cancellation}; the native loops return LF_CANCELLED within a step, the Java loops throw
 * at their next check, the command unwinds (native memory freed, staging deleted), {@link Main}
 * prints one line and exits with 128 + the signal's number.
 *
 * <p>The wait is bounded: a run that has not returned {@link #GRACE_MILLIS} after the signal (a
 * long LibTorch call, a hung native call) is ended with {@code _exit}, which runs no
 * destructors, so even then nothing crashes; hidden staging files may be left. A repeated
 * signal changes nothing. Signals that were ignored when the JVM started (a background job's
 * SIGINT, nohup's SIGHUP) stay ignored.
 */
final class Interruption {
    /** How long a run may take to stop after the signal before the process ends without it. */
    static final long GRACE_MILLIS = 10_000;

    private static final String[] SIGNALS = {"INT", "TERM", "HUP"};
    private static final CountDownLatch FINISHED = new CountDownLatch(1);
    private static volatile Signal received;
    private static String forcedLine = "latentfield: interrupted.";

    private Interruption() {}

    /**
     * Installs the handlers; called once, by {@link Main#main} only (a program that runs
     * commands in-process keeps its own signal handling).
     *
     * @param forced the line printed when the run did not stop within the grace period
     */
    static synchronized void install(String forced) {
        forcedLine = forced;
        for (String name : SIGNALS) {
            try {
                Signal.handle(new Signal(name), Interruption::handle);
            } catch (IllegalArgumentException e) {
                // ignored at start-up or reserved by the JVM (-Xrs): the OS's default stands
            }
        }
    }

    private static void handle(Signal signal) {
        synchronized (Interruption.class) {
            if (received != null) {
                return;
            }
            received = signal;
        }
        Cancellation.request();
        Thread watchdog = new Thread(Interruption::watch, "latentfield-interrupt");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private static void watch() {
        try {
            if (FINISHED.await(GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.err.println(forcedLine);
        Cancellation.exitImmediately(exitCode());
    }

    /** The command has returned: the process exits normally, the watchdog stands down. */
    static void finished() {
        FINISHED.countDown();
    }

    /**
     * The exit code of an interrupted run: 128 + the number of the signal received (130 SIGINT,
     * 143 SIGTERM, 129 SIGHUP); 130 when the run was cancelled in-process without a signal.
     */
    static int exitCode() {
        Signal s = received;
        return 128 + (s == null ? 2 : s.getNumber());
    }
}
