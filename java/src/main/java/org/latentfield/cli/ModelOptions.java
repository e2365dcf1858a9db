package org.latentfield.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.TorchScriptAutoencoder;

/** The options that say which model to load and where to run it, shared by the subcommands. */
final class ModelOptions {
    private ModelOptions() {}

    static void add(Options o) {
        o.addOption(Option.builder().longOpt("model").hasArg().argName("PATH").required()
                .desc("TorchScript autoencoder with encode/decode (or the encoder of a pair, see --decoder)").build());
        o.addOption(Option.builder().longOpt("decoder").hasArg().argName("PATH")
                .desc("decoder archive (forward) when --model is an encoder archive (forward)").build());
        o.addOption(Option.builder().longOpt("latent-dim").hasArg().argName("K")
                .desc("latent dimension, when neither the module attribute latent_dim nor a model card gives it").build());
        o.addOption(Option.builder().longOpt("device").hasArg().argName("cpu|cuda|auto").desc("where to run the model (default auto)").build());
        o.addOption(Option.builder().longOpt("eval-batch").hasArg().argName("M")
                .desc("rows per LibTorch call; results never depend on the batch a row is in (default " + ModelSource.DEFAULT_EVAL_BATCH
                        + "; 0 = whole calls)").build());
        o.addOption(Option.builder().longOpt("threads").hasArg().argName("N").desc("CPU cores to use (default: all)").build());
    }

    static ModelSource source(CommandLine cl) throws ParseException {
        OptionalInt k = cl.hasOption("latent-dim") ? OptionalInt.of(Args.integer(cl, "latent-dim", 0)) : OptionalInt.empty();
        Optional<Path> decoder = Optional.ofNullable(cl.getOptionValue("decoder")).map(Path::of);
        return new ModelSource(Path.of(cl.getOptionValue("model")), decoder, k, cl.getOptionValue("device", "auto"),
                Args.integer(cl, "eval-batch", ModelSource.DEFAULT_EVAL_BATCH), Args.integer(cl, "threads", 0));
    }

    static TorchScriptAutoencoder open(CommandLine cl) throws ParseException {
        return TorchScriptAutoencoder.open(source(cl));
    }
}
