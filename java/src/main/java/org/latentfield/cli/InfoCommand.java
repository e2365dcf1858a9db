package org.latentfield.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.report.FileDigest;

/** {@code latentfield info}: what latentfield sees in a model file, and the engine's own build. */
final class InfoCommand implements Main.Command {
    @Override
    public String summary() {
        return "describe a TorchScript autoencoder (latent dimension, parameters, sha256) and the engine";
    }

    @Override
    public String synopsis() {
        return "latentfield info --model PATH [options]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        ModelOptions.add(o);
        o.addOption(Option.builder().longOpt("json").desc("print JSON instead of text").build());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = Args.parse(options(), args);
        try (TorchScriptAutoencoder map = ModelOptions.open(cl)) {
            Path model = Path.of(cl.getOptionValue("model"));
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = json.createObjectNode();
            o.put("path", model.toString());
            o.put("sha256", FileDigest.sha256(model));
            if (cl.hasOption("decoder")) {
                o.put("decoder", cl.getOptionValue("decoder"));
            }
            o.put("latent_dim", map.latentDim());
            o.put("latent_dim_source", map.latentDimSource());
            map.inputShape().ifPresent(s -> o.putPOJO("input_shape", s));
            o.put("parameters", map.parameterCount());
            o.put("device", map.device());
            o.put("eval_batch", map.evalBatch());
            o.put("workers", map.workers());
            o.put("torch_threads", map.intraOpThreads());
            o.put("cuda_available", TorchScriptAutoencoder.cudaAvailable());
            o.put("native_library", NativeKernels.version());
            o.put("native_cuda_devices", NativeKernels.cudaDeviceCount());
            try (EngineChoice auto = EngineChoice.choose("auto", map, model.toString())) {
                o.put("engine", auto.description()); // what --engine auto runs, and why
            }
            if (cl.hasOption("json")) {
                out.println(o.toPrettyString());
            } else {
                o.fields().forEachRemaining(e -> out.printf("%-20s %s%n", e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue()));
            }
            return Main.OK;
        }
    }
}
