package org.latentfield.cli;

import org.latentfield.mining.EngineChoice;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.analysis.Memorization;
import org.latentfield.data.Datasets;
import org.latentfield.data.ImageSet;
import org.latentfield.data.Npy;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.data.Subsets;
import org.latentfield.dynamics.Attractors;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.dynamics.AttractorRule;
import org.latentfield.kernels.Device;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.report.FileDigest;
import org.latentfield.report.Json;
import org.latentfield.report.ModelReport;
import org.latentfield.report.Figures;
import org.latentfield.report.OutputDirectory;

/**
 * {@code latentfield memorization}: memorization vs generalization across models (PAPER.md
 * section 3, figure 2): attractors from training samples, their memorization coefficient and
 * generalization entropy, test reconstruction error and attractor counts from train, test and
 * noise starts.
 */
final class MemorizationCommand implements Main.Command {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String summary() {
        return "memorization coefficient, generalization entropy, test error and attractor counts of one or more models (paper figure 2)";
    }

    @Override
    public String synopsis() {
        return "latentfield memorization --model PATH[,PATH...] --out DIR [--train DATA] [--test DATA] [--samples N]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        ModelOptions.add(o, "one or more TorchScript autoencoders, comma-separated (e.g. a sweep over k); with --decoder, as many decoders,"
                + " paired in order; the other model options apply to each");
        o.addOption(Option.builder().longOpt("train").hasArg().argName("DATA").desc("training data (default fashion-mnist:train)").build());
        o.addOption(Option.builder().longOpt("test").hasArg().argName("DATA").desc("test data (default fashion-mnist:test)").build());
        o.addOption(Option.builder().longOpt("samples").hasArg().argName("N").desc("starts from each of train, test and N(0, I) (default 1000)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed of subsets and noise (default 0)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                .desc("output directory: summary.json, memorization.png, attractors.png (decoded attractors per model),"
                        + " attractors_I.npy (A x k, the train-derived attractors of the I-th model) and similarity_I.npy (A: each one's best"
                        + " cosine similarity to the training set), train_items_I.npy and test_items_I.npy (the items drawn)").build());
        o.addOption(Option.builder().longOpt("json").desc("print summary.json to stdout").build());
        MergeOption.add(o);
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = Args.parse(options(), args);
        int samples = Args.samples(cl, 1000);
        long seed = Args.longValue(cl, "seed", 0);
        String engine = EngineOption.spec(cl);
        Datasets registry = Datasets.defaults();
        List<ModelSource> sources = ModelOptions.sources(cl);
        ObjectNode summary = JSON.createObjectNode();
        summary.put("train", cl.getOptionValue("train", "fashion-mnist:train"));
        summary.put("test", cl.getOptionValue("test", "fashion-mnist:test"));
        summary.put("samples", samples);
        AttractorRule rule = MergeOption.parse(cl);
        summary.put("merge", rule.spec());
        ArrayNode models = summary.putArray("models");
        Map<String, float[][]> montage = new LinkedHashMap<>();
        List<double[]> byK = new ArrayList<>();
        Map<String, Points> arrays = new LinkedHashMap<>();  // written as N x dim, or N when dim is 1
        Map<String, int[]> items = new LinkedHashMap<>();
        try (OutputDirectory dir = OutputDirectory.stage(Path.of(cl.getOptionValue("out")), "memorization")) {
            ImageSet train = null;
            Map<String, ImageSet> loaded = new LinkedHashMap<>();
            for (ModelSource source : sources) {
                Path path = source.model();
                try (TorchScriptAutoencoder map = ModelOptions.open(source, err)) {
                    int k = map.latentDim();
                    // the models of a sweep share their input shape: load each set once per shape, check it for every model
                    String shape = map.contract().input().toString();
                    train = loaded.computeIfAbsent("train " + shape, key -> ModelData.load(registry, cl.getOptionValue("train",
                            "fashion-mnist:train"), map.contract(), err));
                    ImageSet test = loaded.computeIfAbsent("test " + shape, key -> ModelData.load(registry, cl.getOptionValue("test",
                            "fashion-mnist:test"), map.contract(), err));
                    Points trainImages = new Points(train.count(), train.imageSize(), train.pixels());
                    int[] trainRows = Subsets.seeded(train.count(), samples, seed + 1), testRows = Subsets.seeded(test.count(), samples, seed + 2);
                    try (EngineChoice choice = EngineChoice.choose(engine, map, path.toString())) {
                        FixedPointSolver.Options o = FixedPointSolver.Options.defaults();
                        Attractors fromTrain = attractors(choice, map, rule, new Points(trainRows.length, k, map.encode(train, trainRows)), o);
                        Attractors fromTest = attractors(choice, map, rule, new Points(testRows.length, k, map.encode(test, testRows)), o);
                        Attractors fromNoise = attractors(choice, map, rule, StartPoints.gaussian(samples, k, 1.0, seed), o);
                        int a = fromTrain.count();
                        Points trainAttractors = fromTrain.points(k);
                        Points decoded = new Points(a, train.imageSize(), map.decodeImages(trainAttractors.data(), a, train.imageSize()));
                        Memorization.Coefficient c = a > 0 ? Memorization.coefficient(decoded, trainImages, Device.CPU) : null;
                        double testMse = java.util.Arrays.stream(map.reconstructionErrors(test, testRows)).average().orElse(Double.NaN);
                        int entropy = Memorization.generalizationEntropy(decoded, 0.9);
                        ObjectNode r = models.addObject();
                        r.put("model", path.toString()).put("sha256", FileDigest.sha256(path)).put("latent_dim", k).put("engine", choice.description());
                        r.set("contract", JSON.valueToTree(ModelReport.facts(map)));
                        r.put("memorization_mean", c == null ? Double.NaN : c.mean()).put("memorization_std", c == null ? Double.NaN : c.std());
                        r.put("test_mse", testMse).put("generalization_entropy", entropy);
                        r.put("attractors_from_train", a).put("attractors_from_test", fromTest.count()).put("attractors_from_noise", fromNoise.count());
                        int index = models.size() - 1;
                        r.put("attractors_file", "attractors_" + index + ".npy").put("similarity_file", "similarity_" + index + ".npy");
                        arrays.put("attractors_" + index + ".npy", trainAttractors);
                        r.put("train_items_file", "train_items_" + index + ".npy").put("test_items_file", "test_items_" + index + ".npy");
                        items.put("train_items_" + index + ".npy", trainRows);
                        items.put("test_items_" + index + ".npy", testRows);
                        arrays.put("similarity_" + index + ".npy", new Points(a, 1, c == null ? new float[0] : c.perAttractor()));
                        float[][] shown = new float[Math.min(a, 12)][];
                        for (int i = 0; i < shown.length; i++) {
                            shown[i] = decoded.row(i);
                        }
                        montage.put(path.getFileName() + " (k = " + k + ")", shown);
                        byK.add(new double[] {k, c == null ? Double.NaN : c.mean(), testMse});
                    }
                }
            }
            figures(dir, byK);
            Figures.montage(dir.file("attractors.png"), montage, train.channels(), train.height(), train.width(), 3);
            try {
                dir.writeSummary(summary);
                for (var e : arrays.entrySet()) {
                    Points x = e.getValue();
                    Npy.writeFloat32(dir.file(e.getKey()), x.data(), x.dim() == 1 ? new long[] {x.n()} : new long[] {x.n(), x.dim()});
                }
                for (var e : items.entrySet()) {
                    Npy.writeInt32(dir.file(e.getKey()), e.getValue(), e.getValue().length);
                }
            } catch (IOException e) {
                throw new LatentfieldException("cannot write the results into " + dir.target() + ": " + e.getMessage() + ".", e);
            }
            dir.commit(List.of("summary.json", "memorization.png", "attractors.png"));
            if (cl.hasOption("json")) {
                Json.print(out, summary);
            } else {
                out.printf("%-34s %4s %18s %10s %8s %20s%n", "model", "k", "memorization", "test MSE", "entropy", "attractors tr/te/noise");
                for (var r : summary.get("models")) {
                    out.printf("%-34s %4d %9.4f +- %5.3f %10.5f %8d %8d/%d/%d%n", Path.of(r.get("model").asText()).getFileName(), r.get("latent_dim").asInt(),
                            r.get("memorization_mean").asDouble(), r.get("memorization_std").asDouble(), r.get("test_mse").asDouble(),
                            r.get("generalization_entropy").asInt(), r.get("attractors_from_train").asInt(), r.get("attractors_from_test").asInt(),
                            r.get("attractors_from_noise").asInt());
                }
                out.println("wrote " + dir.target());
            }
            return Main.OK;
        }
    }

    private static Attractors attractors(EngineChoice choice, TorchScriptAutoencoder map, AttractorRule rule, Points starts,
                                         FixedPointSolver.Options o) {
        return rule.apply(choice.solve(starts, o), map);
    }

    private static void figures(OutputDirectory dir, List<double[]> byK) {
        byK.sort((a, b) -> Double.compare(a[0], b[0]));
        double[][] mem = new double[2][byK.size()], mse = new double[2][byK.size()];
        for (int i = 0; i < byK.size(); i++) {
            mem[0][i] = mse[0][i] = byK.get(i)[0];
            mem[1][i] = byK.get(i)[1];
            mse[1][i] = byK.get(i)[2] * 10;
        }
        Map<String, double[][]> series = new LinkedHashMap<>();
        series.put("memorization coefficient", mem);
        series.put("test MSE x 10", mse);
        Figures.lines(dir.file("memorization.png"), "Memorization vs generalization across bottlenecks", "latent dimension k", "value", series);
    }
}
