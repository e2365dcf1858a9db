package org.latentfield.cli;

import java.util.List;
import java.util.function.LongConsumer;
import org.latentfield.data.Points;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.map.LatentMap;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.map.torch.MlpExtraction;
import org.latentfield.map.torch.TorchScriptAutoencoder;

/**
 * {@code --engine torch|native|auto}: whether f runs in LibTorch or in liblf's fused MLP engine.
 *
 * @param mlp         the native plan (closed with this choice), or null for LibTorch
 * @param description "torch" or "native DEVICE: k -> ... -> k", for summaries
 */
record EngineChoice(NativeMlp mlp, String description) implements AutoCloseable {
    static void addOption(Options o) {
        o.addOption(Option.builder().longOpt("engine").hasArg().argName("torch|native|auto")
                .desc("who evaluates f: LibTorch, or liblf's fused MLP engine for models whose encode/decode are Linear stacks"
                        + " (auto, the default: native when the model qualifies)").build());
    }

    /** Checks the spelling before anything is loaded. */
    static String spec(CommandLine cl) {
        String engine = cl.getOptionValue("engine", "auto");
        if (!List.of("torch", "native", "auto").contains(engine)) {
            throw new LatentfieldException("--engine must be torch, native or auto, got '" + engine + "'.");
        }
        return engine;
    }

    static EngineChoice choose(String engine, TorchScriptAutoencoder map, String model) {
        if (engine.equals("torch")) {
            return new EngineChoice(null, "torch");
        }
        String dtype = map.contract().dtype();
        MlpExtraction.Outcome extracted = dtype.equals("float32") ? MlpExtraction.extract(map)
                : new MlpExtraction.Outcome(null, "the model computes in " + dtype + " and the native engine in float32");
        if (!extracted.ok()) {
            if (engine.equals("native")) {
                throw new LatentfieldException("--engine native: the model " + model + " cannot run natively: " + extracted.reason()
                        + "; use --engine torch.");
            }
            return new EngineChoice(null, "torch");
        }
        Device device = map.device().startsWith("cuda") && NativeKernels.cudaDeviceCount() > 0 ? Device.CUDA : Device.CPU;
        return new EngineChoice(NativeMlp.create(extracted.layers(), device), "native " + device.spec() + ": " + extracted.describe());
    }

    /** Iterates f from {@code starts} on this engine: liblf's fused loop, or the compacted solver over {@code map}. */
    FixedPointResult solve(LatentMap map, Points starts, FixedPointSolver.Options options, LongConsumer progress) {
        return mlp != null ? FixedPointSolver.solveNative(mlp, starts, options, progress) : FixedPointSolver.solve(map, starts, options, progress);
    }

    FixedPointResult solve(LatentMap map, Points starts, FixedPointSolver.Options options) {
        return solve(map, starts, options, done -> { });
    }

    @Override
    public void close() {
        if (mlp != null) {
            mlp.close();
        }
    }
}
