package org.latentfield.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.map.ModelSource;
import org.latentfield.map.Shape;
import org.latentfield.map.torch.TorchScriptAutoencoder;

/**
 * The options that say which model to load, what its shapes are and where to run it: the same
 * for every subcommand that loads a model. {@link #open} is the one way commands load one; it
 * prints the contract's notes (e.g. "saved in training mode; run in eval mode") on stderr.
 */
final class ModelOptions {
    private ModelOptions() {}

    /** Adds the model options; {@code modelHelp} describes --model for this command. */
    static void add(Options o, String modelHelp) {
        o.addOption(Option.builder().longOpt("model").hasArg().argName("PATH").required().desc(modelHelp).build());
        o.addOption(Option.builder().longOpt("decoder").hasArg().argName("PATH")
                .desc("decoder archive (forward) when --model is an encoder archive (forward)").build());
        addShared(o);
    }

    /** Adds every model option but --model and --decoder, for commands that find their archives themselves (checkpoints). */
    static void addShared(Options o) {
        o.addOption(Option.builder().longOpt("latent-dim").hasArg().argName("K")
                .desc("number of latent values, when neither the module (latent_dim, latent_shape) nor its model card declares it").build());
        o.addOption(Option.builder().longOpt("latent-shape").hasArg().argName("C,H,W")
                .desc("shape of one latent, e.g. 4,8,8 for encode -> (N, 4, 8, 8); latents are handled as flat rows of C*H*W values").build());
        o.addOption(Option.builder().longOpt("input-shape").hasArg().argName("C,H,W|D")
                .desc("shape of one encoder input, when neither the module (input_shape) nor its model card declares it"
                        + " (default: what decode returns)").build());
        o.addOption(Option.builder().longOpt("device").hasArg().argName("cpu|cuda|auto").desc("where to run the model (default auto)").build());
        o.addOption(Option.builder().longOpt("eval-batch").hasArg().argName("M")
                .desc("rows per LibTorch call; results never depend on the batch a row is in (default " + ModelSource.DEFAULT_EVAL_BATCH
                        + "; 0 = whole calls)").build());
        o.addOption(Option.builder().longOpt("threads").hasArg().argName("N").desc("CPU cores to use (default: all)").build());
        EngineOption.add(o);
    }

    /** Adds the model options for a command on one autoencoder. */
    static void add(Options o) {
        add(o, "TorchScript autoencoder with encode/decode (or the encoder of a pair, see --decoder)");
    }

    /** The model source the options describe (the model's own declarations are read when it is opened). */
    static ModelSource source(CommandLine cl) throws ParseException {
        Optional<Path> decoder = Optional.ofNullable(cl.getOptionValue("decoder")).map(Path::of);
        return source(cl, Path.of(cl.getOptionValue("model")), decoder);
    }

    /**
     * One source per archive of a comma-separated --model (and, with --decoder, as many
     * comma-separated decoders, paired in order); the other options apply to each.
     */
    static List<ModelSource> sources(CommandLine cl) throws ParseException {
        String[] models = cl.getOptionValue("model").split(",", -1);
        String[] decoders = cl.hasOption("decoder") ? cl.getOptionValue("decoder").split(",", -1) : null;
        if (decoders != null && decoders.length != models.length) {
            throw new LatentfieldException("--decoder names " + decoders.length + " archives for " + models.length
                    + " models; give one decoder per encoder, in the same order.");
        }
        List<ModelSource> out = new ArrayList<>();
        for (int i = 0; i < models.length; i++) {
            if (models[i].isBlank()) {
                throw new LatentfieldException("--model has an empty entry: '" + cl.getOptionValue("model") + "'.");
            }
            out.add(source(cl, Path.of(models[i].strip()), decoders == null ? Optional.empty() : Optional.of(Path.of(decoders[i].strip()))));
        }
        return out;
    }

    /** The source of {@code model} (and {@code decoder}) with the shared options of {@code cl}. */
    static ModelSource source(CommandLine cl, Path model, Optional<Path> decoder) throws ParseException {
        if (cl.hasOption("latent-dim") && cl.hasOption("latent-shape")) {
            throw new LatentfieldException("give --latent-dim or --latent-shape, not both.");
        }
        Optional<Shape> latent = Optional.empty();
        if (cl.hasOption("latent-dim")) {
            int k = Args.integer(cl, "latent-dim", 0);
            if (k < 1) {
                throw new LatentfieldException("--latent-dim must be a positive integer, got " + k + ".");
            }
            latent = Optional.of(Shape.of(k));
        } else if (cl.hasOption("latent-shape")) {
            latent = Optional.of(Shape.parse(cl.getOptionValue("latent-shape"), "--latent-shape"));
        }
        Optional<Shape> input = Optional.ofNullable(cl.getOptionValue("input-shape")).map(s -> Shape.parse(s, "--input-shape"));
        int threads = Args.integer(cl, "threads", 0);
        if (cl.hasOption("threads") && threads < 1) {
            throw new ParseException("--threads must be a positive integer (leave it out to use every core), got " + threads);
        }
        return new ModelSource(model, decoder, latent, input, cl.getOptionValue("device", "auto"), evalBatch(cl), threads);
    }

    /**
     * --eval-batch, at most the batch (the command's --batch, or the solver's default): the last
     * micro-batch of a call is padded to the full size, so a larger micro-batch evaluates padding
     * only, at the memory cost of its size.
     */
    private static int evalBatch(CommandLine cl) throws ParseException {
        int rows = Args.integer(cl, "eval-batch", ModelSource.DEFAULT_EVAL_BATCH);
        int batch = Args.integer(cl, "batch", FixedPointSolver.Options.DEFAULT_BATCH);
        if (rows > Math.max(batch, 1)) {
            throw new ParseException("--eval-batch " + rows + " is larger than the batch of " + batch + " rows (a last micro-batch is padded"
                    + " to the full size, so the extra rows cost memory and time only); give at most " + batch + ", or 0 for whole calls");
        }
        return rows;
    }

    /** Opens {@code source} and prints its contract's notes on {@code err}. */
    static TorchScriptAutoencoder open(ModelSource source, PrintStream err) {
        TorchScriptAutoencoder map = TorchScriptAutoencoder.open(source);
        for (String note : map.contract().notes()) {
            err.println(DeferredNotes.PREFIX + note + ".");
        }
        return map;
    }

    /** Opens the model the options name. */
    static TorchScriptAutoencoder open(CommandLine cl, PrintStream err) throws ParseException {
        return open(source(cl), err);
    }
}
