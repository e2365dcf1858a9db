package org.latentfield.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;

/** Typed option values with one-sentence errors naming the option. */
final class Args {
    private Args() {}

    /** Parses a subcommand's arguments; positional arguments and an option given twice are errors. */
    static CommandLine parse(org.apache.commons.cli.Options options, String[] args) throws ParseException {
        CommandLine cl = new org.apache.commons.cli.DefaultParser().parse(options, args);
        if (!cl.getArgList().isEmpty()) {
            throw new ParseException("unexpected argument '" + cl.getArgList().get(0) + "'");
        }
        for (org.apache.commons.cli.Option o : options.getOptions()) {
            String[] values = o.hasArg() ? cl.getOptionValues(o.getLongOpt()) : null;
            if (values != null && values.length > 1) {
                throw new ParseException("--" + o.getLongOpt() + " is given " + values.length + " times ('" + String.join("', '", values)
                        + "'); give it once");
            }
            if (values != null && values[0].isBlank()) {
                throw new ParseException("--" + o.getLongOpt() + " is empty; it takes " + (o.getArgName() == null ? "a value" : o.getArgName()));
            }
        }
        return cl;
    }

    /** --samples (default {@code fallback}), at least 2. */
    static int samples(CommandLine cl, int fallback) throws ParseException {
        int samples = integer(cl, "samples", fallback);
        if (samples < 2) {
            throw new org.latentfield.LatentfieldException("--samples must be at least 2, got " + samples + ".");
        }
        return samples;
    }

    static int integer(CommandLine cl, String name, int fallback) throws ParseException {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new ParseException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    static long longValue(CommandLine cl, String name, long fallback) throws ParseException {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new ParseException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    static double real(CommandLine cl, String name, double fallback) throws ParseException {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw new ParseException("--" + name + " expects a number, got '" + v + "'");
        }
    }
}
