package org.latentfield.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process and captures what it prints. */
record CliHarness(int code, String out, String err) {
    static CliHarness run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CliHarness(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The error output is exactly one line, with no stack trace. */
    boolean oneSentenceError() {
        String e = err.strip();
        return !e.isEmpty() && !e.contains("\n") && !e.contains("Exception raised from") && !e.contains("\tat ");
    }

    /** Runs the CLI and asserts exit code 1 and one error line containing {@code mustContain}. */
    static void expectFailure(String mustContain, String... args) {
        CliHarness r = run(args);
        org.junit.jupiter.api.Assertions.assertEquals(Main.FAILED, r.code(), "exit code; stderr: " + r.err());
        org.junit.jupiter.api.Assertions.assertTrue(r.oneSentenceError(), "one line without a trace: " + r.err());
        org.junit.jupiter.api.Assertions.assertTrue(r.err().contains(mustContain), "message names '" + mustContain + "': " + r.err());
    }
}
