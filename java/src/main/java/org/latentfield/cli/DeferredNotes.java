package org.latentfield.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The error stream a command writes to, holding back its notes ("latentfield: note: ..." lines,
 * e.g. that a model was saved in training mode) until the command has succeeded. A failing
 * command's stderr is then its one-sentence error alone; the notes of a successful one are
 * printed after its output. Everything else passes straight through (progress bars included).
 */
final class DeferredNotes extends PrintStream {
    static final String PREFIX = "latentfield: note: ";

    private final PrintStream target;
    private final List<String> notes = new ArrayList<>();

    DeferredNotes(PrintStream target) {
        super(target, true);
        this.target = target;
    }

    @Override
    public void println(String line) {
        if (line != null && line.startsWith(PREFIX)) {
            synchronized (notes) {
                if (!notes.contains(line)) {
                    notes.add(line);
                }
            }
        } else {
            target.println(line);
        }
    }

    /** The stream a command's {@code err} finally writes to (itself unless it defers notes). */
    static PrintStream target(PrintStream err) {
        return err instanceof DeferredNotes d ? d.target : err;
    }

    /** Prints the held notes, once each, in the order they came. */
    void release() {
        synchronized (notes) {
            notes.forEach(target::println);
            notes.clear();
        }
    }
}
