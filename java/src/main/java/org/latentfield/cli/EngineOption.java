package org.latentfield.cli;

import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.latentfield.LatentfieldException;

/** {@code --engine torch|native|auto} on the command line ({@link org.latentfield.mining.EngineChoice} does the choosing). */
final class EngineOption {
    private EngineOption() {}

    static void add(Options o) {
        o.addOption(Option.builder().longOpt("engine").hasArg().argName("torch|native|auto")
                .desc("who evaluates f: LibTorch, or liblf's engines for models whose encode/decode graphs are Linear stacks (MLP engine)"
                        + " or chains of linear, convolution, activation and padding layers (network engine, CPU)"
                        + " (auto, the default: native when the graphs qualify, every run spot-checked against LibTorch)").build());
    }

    /** Checks the spelling before anything is loaded. */
    static String spec(CommandLine cl) {
        String engine = cl.getOptionValue("engine", "auto");
        if (!List.of("torch", "native", "auto").contains(engine)) {
            throw new LatentfieldException("--engine must be torch, native or auto, got '" + engine + "'.");
        }
        return engine;
    }

}
