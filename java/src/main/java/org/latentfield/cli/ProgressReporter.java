package org.latentfield.cli;

import java.io.PrintStream;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * A progress bar on stderr for long runs: it appears only once a run has taken more than a
 * second, so short runs and scripts see no bar, and only on the process's own stderr (a
 * command run inside {@code reproduce}, whose output is captured into a log, draws none).
 */
final class ProgressReporter implements LongConsumer, AutoCloseable {
    private static final long DELAY_NANOS = 1_000_000_000L;

    private final String task;
    private final String unit;
    private final long total;
    private final PrintStream err;
    private final long started = System.nanoTime();
    private long done;
    private ProgressBar bar;

    ProgressReporter(String task, String unit, long total, PrintStream err) {
        this.task = task;
        this.unit = unit;
        this.total = total;
        this.err = err;
    }

    @Override
    public void accept(long finished) {
        done += finished;
        if (bar == null && DeferredNotes.target(err) == System.err && System.nanoTime() - started > DELAY_NANOS) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1)
                    .setConsumer(new ConsoleProgressBarConsumer(err)).setUpdateIntervalMillis(250).build();
        }
        if (bar != null) {
            bar.stepTo(done);
        }
    }

    /** A short text shown after the bar (e.g. the running loss), once the bar is up. */
    void message(String text) {
        if (bar != null) {
            bar.setExtraMessage(text);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
