package org.latentfield.cli;

import org.latentfield.mining.EngineChoice;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.data.ImageSet;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.data.SyntheticImages;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.torch.MlpExtraction;
import org.latentfield.map.torch.NetExtraction;
import org.latentfield.map.torch.TorchBackends;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.report.Json;
import org.latentfield.report.ModelReport;

/**
 * {@code latentfield info}: what latentfield sees in a model (its contract: shapes and where
 * they came from, dtype, saved mode, determinism, parameters), whether the native engine runs it
 * and why not, a self-test, and the engine's own build. Exit 1 when the model cannot be loaded
 * or fails the self-test, with the cause.
 */
final class InfoCommand implements Main.Command {
    private static final int SELF_TEST_ROWS = 4;

    @Override
    public String summary() {
        return "describe an autoencoder (input and latent shapes, dtype, mode, determinism, native engine) and self-test it";
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
        EngineOption.spec(cl);
        try (TorchScriptAutoencoder map = ModelOptions.open(cl, err)) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = json.valueToTree(ModelReport.facts(map.contract()));
            ObjectNode engine = o.putObject("native_engine");
            MlpExtraction.Outcome mlp = MlpExtraction.extract(map);
            if (mlp.ok()) {
                engine.put("eligible", true).put("engine", "mlp").put("layers", mlp.describe());
            } else {
                NetExtraction.Outcome net = NetExtraction.extract(map);
                engine.put("eligible", net.ok());
                if (net.ok()) {
                    engine.put("engine", "network").put("layers", net.describe());
                } else {
                    engine.put("reason", net.reason());
                }
            }
            o.set("self_test", selfTest(map, json));
            o.put("eval_batch", map.evalBatch());
            o.put("workers", map.workers());
            o.put("torch_threads", map.intraOpThreads());
            o.put("torch_onednn", TorchBackends.ensureCorrectConvolutions().describe());
            o.put("cuda_available", TorchScriptAutoencoder.cudaAvailable());
            o.put("native_library", NativeKernels.version());
            o.put("native_cuda_devices", NativeKernels.cudaDeviceCount());
            o.put("native_gemm", NativeKernels.gemmProviders()); // e.g. "cpu=cblas:PATH (OpenBLAS core Haswell) cuda=builtin"
            try (EngineChoice auto = EngineChoice.choose("auto", map, cl.getOptionValue("model"))) {
                o.put("engine", auto.description()); // what --engine auto runs, and why
            }
            if (cl.hasOption("json")) {
                Json.print(out, o);
            } else {
                o.fields().forEachRemaining(e -> out.printf("%-22s %s%n", e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue()));
            }
            return Main.OK;
        }
    }

    /**
     * encode(decode(z)) on N(0, I) latents and encode of one input of the model's shape (uniform
     * values in [0, 1]) must run and give finite values; a failure is an error with the cause.
     */
    private static ObjectNode selfTest(TorchScriptAutoencoder map, ObjectMapper json) {
        int k = map.latentDim();
        Points z = StartPoints.gaussian(SELF_TEST_ROWS, k, 1.0, 0);
        float[] fz = new float[SELF_TEST_ROWS * k];
        try (NativeMatrix in = new NativeMatrix(SELF_TEST_ROWS, k); NativeMatrix outRows = new NativeMatrix(SELF_TEST_ROWS, k)) {
            in.putRows(z.data(), 0, 0, SELF_TEST_ROWS);
            map.apply(in, outRows, SELF_TEST_ROWS);
            outRows.getRows(0, fz, 0, SELF_TEST_ROWS);
        }
        requireFinite(fz, "encode(decode(z)) of " + SELF_TEST_ROWS + " latents z ~ N(0, I) of " + map.contract().latent());
        ImageSet one = SyntheticImages.uniformNoise(1, 0, map.contract().input().dims());
        float[] code = map.encode(one, new int[] {0});
        requireFinite(code, "encode of one input of " + map.contract().input() + " (uniform values in [0, 1])");
        ObjectNode t = json.createObjectNode();
        t.put("passed", true);
        t.put("checked", String.format(Locale.ROOT, "encode(decode(z)) on %d latents of %s and encode of one input of %s give finite values",
                SELF_TEST_ROWS, map.contract().latent(), map.contract().input()));
        return t;
    }

    private static void requireFinite(float[] values, String what) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new LatentfieldException("self-test failed: " + what + " gives the non-finite value " + values[i] + " at index " + i + ".");
            }
        }
    }
}
