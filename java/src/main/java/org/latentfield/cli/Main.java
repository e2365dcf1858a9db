package org.latentfield.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.CancelledException;
import org.latentfield.kernels.NativeKernelException;

/**
 * The {@code latentfield} command line. Subcommands print and exit; nothing else in the engine
 * does. Exit codes: 0 success, 1 a bad input or a failed run (one sentence on stderr), 2 a
 * usage error, 3 an internal error (a bug), 128 + N a run interrupted by signal N (130 SIGINT,
 * 143 SIGTERM; see {@link Interruption}): one line on stderr, nothing written to --out.
 */
public final class Main {
    static final int OK = 0, FAILED = 1, USAGE = 2, INTERNAL = 3;

    /** A subcommand: parses its own arguments and returns an exit code. */
    interface Command {
        int run(String[] args, PrintStream out, PrintStream err) throws ParseException;

        /** One line for the command list. */
        String summary();

        /** The usage line of --help. */
        String synopsis();

        /** The command's options (without --help, which Main handles). */
        Options options();

        /** What an interrupted run leaves, for the line "interrupted; ..." ({@code out}: the --out value). */
        default String leftWhenInterrupted(String out) {
            return "nothing written to " + out;
        }
    }

    private static final Map<String, Command> COMMANDS = Map.ofEntries(
            Map.entry("attractors", new AttractorsCommand()),
            Map.entry("complexity", new ComplexityCommand()),
            Map.entry("dynamics", new DynamicsCommand()),
            Map.entry("field", new FieldCommand()),
            Map.entry("info", new InfoCommand()),
            Map.entry("jacobian", new JacobianCommand()),
            Map.entry("memorization", new MemorizationCommand()),
            Map.entry("ood", new OodCommand()),
            Map.entry("probe", new ProbeCommand()),
            Map.entry("reproduce", new ReproduceCommand()),
            Map.entry("omp", new OmpCommand()),
            Map.entry("train", new TrainCommand()));

    private Main() {}

    public static void main(String[] args) {
        Interruption.install(forcedInterruptionLine(args));
        int code = execute(args, System.out, System.err);
        Interruption.finished();
        System.exit(code);
    }

    /**
     * Runs the CLI with the given streams; returns the exit code instead of exiting. Clears a
     * {@link Cancellation} left from an earlier run first.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Cancellation.clear();
        return execute(args, out, err);
    }

    /** {@link #run} without clearing the cancellation: for a command run inside another (reproduce's steps). */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            usage(args.length == 0 ? err : out);
            return args.length == 0 ? USAGE : OK;
        }
        Command command = COMMANDS.get(args[0]);
        if (command == null) {
            err.println("latentfield: unknown command '" + args[0] + "'; expected one of " + String.join(", ", COMMANDS.keySet().stream().sorted().toList()) + ".");
            return USAGE;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h")) {
            new HelpFormatter().printHelp(new PrintWriter(out, true), 100, command.synopsis(), command.summary(), command.options(), 2, 2, "");
            return OK;
        }
        DeferredNotes errors = new DeferredNotes(err);
        try {
            int code = command.run(rest, out, errors);
            if (code == OK) {
                errors.release();
            }
            return code;
        } catch (CancelledException e) {
            String target = optionValue(rest, "out");
            err.println("latentfield " + args[0] + ": interrupted" + (target == null ? "." : "; " + command.leftWhenInterrupted(target) + "."));
            return Interruption.exitCode();
        } catch (ParseException e) {
            err.println("latentfield " + args[0] + ": " + sentence(e.getMessage()) + " (see latentfield " + args[0] + " --help)");
            return USAGE;
        } catch (LatentfieldException e) {
            err.println("latentfield " + args[0] + ": " + sentence(e.getMessage()));
            return FAILED;
        } catch (NativeKernelException e) {
            err.println("latentfield " + args[0] + ": a native kernel rejected its input: " + sentence(e.getMessage()));
            return FAILED;
        } catch (UnsatisfiedLinkError e) {
            err.println("latentfield " + args[0] + ": the native libraries could not be loaded (" + e.getMessage()
                    + "); rebuild with mvn -B package.");
            return FAILED;
        } catch (OutOfMemoryError e) {
            err.println("latentfield " + args[0] + ": out of memory; " + lowerSizes(command) + "raise the JVM heap (-Xmx, LATENTFIELD_JAVA_OPTS).");
            return FAILED;
        } catch (RuntimeException e) {
            err.println("latentfield " + args[0] + ": internal error (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); please report it.");
            return INTERNAL;
        }
    }

    /** The value of {@code --name VALUE} or {@code --name=VALUE} in {@code args}, or null. */
    private static String optionValue(String[] args, String name) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--" + name) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith("--" + name + "=")) {
                return args[i].substring(name.length() + 3);
            }
        }
        return null;
    }

    /** The line printed when a run did not stop within {@link Interruption#GRACE_MILLIS} and the process ended without it. */
    private static String forcedInterruptionLine(String[] args) {
        String name = args.length > 0 && COMMANDS.containsKey(args[0]) ? "latentfield " + args[0] : "latentfield";
        String out = optionValue(args, "out");
        return name + ": interrupted; the run did not stop within " + Interruption.GRACE_MILLIS / 1000 + " s and was ended at once"
                + (out == null ? "." : " (nothing written to " + out + "; hidden staging files beside it may be left).");
    }

    /** "lower --samples or --batch, or " naming only the size options the command has. */
    private static String lowerSizes(Command command) {
        java.util.List<String> sizes = java.util.stream.Stream.of("samples", "train-samples", "batch", "eval-batch")
                .filter(command.options()::hasLongOption).map(o -> "--" + o).toList();
        return sizes.isEmpty() ? "" : "lower " + String.join(" or ", sizes) + ", or ";
    }

    private static String sentence(String message) {
        String m = message == null ? "failed" : message.strip();
        return m.endsWith(".") || m.endsWith(")") ? m : m + ".";
    }

    private static void usage(PrintStream s) {
        s.println("usage: latentfield <command> [options]");
        s.println();
        COMMANDS.keySet().stream().sorted().forEach(name -> s.printf("  %-12s %s%n", name, COMMANDS.get(name).summary()));
        s.println();
        s.println("latentfield <command> --help shows the options of a command.");
    }
}
