package org.latentfield.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.NativeKernelException;

/**
 * The {@code latentfield} command line. Subcommands print and exit; nothing else in the engine
 * does. Exit codes: 0 success, 1 a bad input or a failed run (one sentence on stderr), 2 a
 * usage error, 3 an internal error (a bug).
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
    }

    private static final Map<String, Command> COMMANDS = Map.ofEntries(
            Map.entry("attractors", new AttractorsCommand()),
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
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the CLI with the given streams; returns the exit code instead of exiting. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
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
            err.println("latentfield " + args[0] + ": out of memory; lower --samples or --batch, or raise the JVM heap (-Xmx).");
            return FAILED;
        } catch (RuntimeException e) {
            err.println("latentfield " + args[0] + ": internal error (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); please report it.");
            return INTERNAL;
        }
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
