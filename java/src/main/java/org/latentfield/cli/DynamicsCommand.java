package org.latentfield.cli;

import org.latentfield.mining.EngineChoice;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.analysis.Chamfer;
import org.latentfield.analysis.Detection;
import org.latentfield.analysis.Memorization;
import org.latentfield.analysis.OodScores;
import org.latentfield.data.Datasets;
import org.latentfield.data.ImageSet;
import org.latentfield.data.Npy;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.data.Subsets;
import org.latentfield.dynamics.Attractors;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.dynamics.AttractorRule;
import org.latentfield.kernels.Device;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.report.Figures;
import org.latentfield.report.Json;
import org.latentfield.report.ModelReport;
import org.latentfield.report.OutputDirectory;

/**
 * {@code latentfield dynamics}: how the latent dynamics change over training (PAPER.md section
 * 3, figure 3), over a checkpoint series: memorization coefficient, test error, share of
 * distinct attractors from train / test / noise starts, Chamfer similarity of train- and
 * noise-derived attractors, and FPR95 separating noise trajectories from training ones.
 */
final class DynamicsCommand implements Main.Command {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String summary() {
        return "attractor statistics over a checkpoint series: memorization, test error, distinct attractors, Chamfer, FPR95 (paper figure 3)";
    }

    @Override
    public String synopsis() {
        return "latentfield dynamics --checkpoints DIR --out DIR [--train DATA] [--test DATA] [--samples N]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("checkpoints").hasArg().argName("DIR").required().desc("a directory of *.pt checkpoints, in name order").build());
        ModelOptions.addShared(o);
        o.addOption(Option.builder().longOpt("train").hasArg().argName("DATA").desc("training data (default fashion-mnist:train)").build());
        o.addOption(Option.builder().longOpt("test").hasArg().argName("DATA").desc("test data (default fashion-mnist:test)").build());
        o.addOption(Option.builder().longOpt("samples").hasArg().argName("N").desc("starts from each of train, test and N(0, I) (default 1000; the paper: 5000)").build());
        o.addOption(Option.builder().longOpt("max-iter").hasArg().argName("N").desc("iteration cap (default 3000)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed of subsets and noise (default 0)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required().desc("output directory: summary.json, dynamics.png, series.npy (checkpoints x series_columns), train_items.npy and"
                + " test_items.npy (the items drawn)").build());
        o.addOption(Option.builder().longOpt("json").desc("print summary.json to stdout").build());
        MergeOption.add(o);
        return o;
    }

    /** The columns of series.npy, one row per checkpoint (the keys of summary.json's series rows). */
    static final List<String> SERIES_COLUMNS = List.of("memorization", "test_mse", "attractors_train", "attractors_test", "attractors_noise",
            "distinct_share_train", "distinct_share_test", "distinct_share_noise", "chamfer_train_noise", "fpr95_noise_vs_train_trajectories");

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = Args.parse(options(), args);
        int samples = Args.samples(cl, 1000);
        long seed = Args.longValue(cl, "seed", 0);
        Path ckDir = Path.of(cl.getOptionValue("checkpoints"));
        List<Path> checkpoints;
        try (Stream<Path> files = Files.list(ckDir)) {
            checkpoints = files.filter(p -> p.toString().endsWith(".pt")).sorted().toList();
        } catch (IOException e) {
            throw new LatentfieldException("--checkpoints " + ckDir + " cannot be read: " + e.getMessage() + ".");
        }
        if (checkpoints.isEmpty()) {
            throw new LatentfieldException("--checkpoints " + ckDir + " holds no .pt files.");
        }
        String engine = EngineOption.spec(cl);
        AttractorRule rule = MergeOption.parse(cl);
        List<ModelSource> sources = new java.util.ArrayList<>();
        for (Path checkpoint : checkpoints) {
            sources.add(ModelOptions.source(cl, checkpoint, java.util.Optional.empty()));
        }
        Datasets registry = Datasets.defaults();
        ImageSet train = null;
        ImageSet test = null;
        Points trainImages = null;
        int[] trainRows = null;
        int[] testRows = null;
        FixedPointSolver.Options o = new FixedPointSolver.Options(FixedPointSolver.Options.DEFAULT_TOL, Args.integer(cl, "max-iter", 3000),
                FixedPointSolver.Options.DEFAULT_DIVERGENCE_BOUND, 1024, 0);
        ObjectNode summary = JSON.createObjectNode();
        summary.put("checkpoints", ckDir.toString());
        summary.put("samples", samples);
        summary.put("merge", rule.spec());
        summary.set("series_columns", JSON.valueToTree(SERIES_COLUMNS));
        ArrayNode rows = summary.putArray("series");
        double[][] mem = new double[2][checkpoints.size()], mse = new double[2][checkpoints.size()], distinct = new double[2][checkpoints.size()],
                chamfer = new double[2][checkpoints.size()], fpr = new double[2][checkpoints.size()];
        try (OutputDirectory dir = OutputDirectory.stage(Path.of(cl.getOptionValue("out")), "dynamics")) {
            for (int c = 0; c < checkpoints.size(); c++) {
                try (TorchScriptAutoencoder map = ModelOptions.open(sources.get(c), err);
                     EngineChoice choice = EngineChoice.choose(engine, map, checkpoints.get(c).toString())) {
                    int k = map.latentDim();
                    if (train == null) { // every checkpoint of a series has the first one's input shape, checked by the contract
                        train = ModelData.load(registry, cl.getOptionValue("train", "fashion-mnist:train"), map.contract(), err);
                        test = ModelData.load(registry, cl.getOptionValue("test", "fashion-mnist:test"), map.contract(), err);
                        trainImages = new Points(train.count(), train.imageSize(), train.pixels());
                        trainRows = Subsets.seeded(train.count(), samples, seed + 1);
                        testRows = Subsets.seeded(test.count(), samples, seed + 2);
                    }
                    Points trainCodes = new Points(trainRows.length, k, map.encode(train, trainRows)), noise = StartPoints.gaussian(samples, k, 1.0, seed);
                    FixedPointResult rTrain = choice.solve(trainCodes, o);
                    FixedPointResult rTest = choice.solve(new Points(testRows.length, k, map.encode(test, testRows)), o);
                    FixedPointResult rNoise = choice.solve(noise, o);
                    Attractors aTrain = rule.apply(rTrain, map), aTest = rule.apply(rTest, map), aNoise = rule.apply(rNoise, map);
                    Points pTrain = aTrain.points(k), pNoise = aNoise.points(k);
                    Points decoded = new Points(pTrain.n(), train.imageSize(), map.decodeImages(pTrain.data(), pTrain.n(), train.imageSize()));
                    double memorization = pTrain.n() > 0 ? Memorization.coefficient(decoded, trainImages, Device.CPU).mean() : Double.NaN;
                    double testMse = java.util.Arrays.stream(map.reconstructionErrors(test, testRows)).average().orElse(Double.NaN);
                    double chamferSim = pTrain.n() > 0 && pNoise.n() > 0 ? Chamfer.similarity(pTrain, pNoise, Device.CPU) : Double.NaN;
                    double fpr95 = pTrain.n() > 0 ? Detection.fpr95(trajectoryScores(choice, map, trainCodes, pTrain, o),
                            trajectoryScores(choice, map, noise, pTrain, o))
                            : Double.NaN;
                    ObjectNode r = rows.addObject();
                    r.put("checkpoint", checkpoints.get(c).getFileName().toString());
                    r.put("engine", choice.description());
                    r.set("model", JSON.valueToTree(ModelReport.facts(map)));
                    r.put("memorization", memorization).put("test_mse", testMse);
                    r.put("attractors_train", aTrain.count()).put("attractors_test", aTest.count()).put("attractors_noise", aNoise.count());
                    r.put("distinct_share_train", (double) aTrain.count() / samples).put("distinct_share_test", (double) aTest.count() / samples)
                            .put("distinct_share_noise", (double) aNoise.count() / samples);
                    r.put("chamfer_train_noise", chamferSim).put("fpr95_noise_vs_train_trajectories", fpr95);
                    double x = c + 1;
                    mem[0][c] = mse[0][c] = distinct[0][c] = chamfer[0][c] = fpr[0][c] = x;
                    mem[1][c] = memorization;
                    mse[1][c] = testMse * 10;
                    distinct[1][c] = (double) aTrain.count() / samples * 10;
                    chamfer[1][c] = chamferSim;
                    fpr[1][c] = fpr95;
                }
            }
            Map<String, double[][]> series = new LinkedHashMap<>();
            series.put("memorization coefficient", mem);
            series.put("test MSE x 10", mse);
            series.put("distinct train attractors (share x 10)", distinct);
            series.put("Chamfer(train, noise attractors)", chamfer);
            series.put("FPR95 noise vs train trajectories", fpr);
            Figures.lines(dir.file("dynamics.png"), "Latent dynamics over training: " + ckDir.getFileName(), "checkpoint (name order)", "value", series);
            try {
                dir.writeSummary(summary);
                int c = checkpoints.size();
                double[] table = new double[c * SERIES_COLUMNS.size()];
                for (int i = 0; i < c; i++) {
                    for (int j = 0; j < SERIES_COLUMNS.size(); j++) {
                        table[i * SERIES_COLUMNS.size() + j] = rows.get(i).get(SERIES_COLUMNS.get(j)).asDouble();
                    }
                }
                Npy.writeFloat64(dir.file("series.npy"), table, c, SERIES_COLUMNS.size());
                Npy.writeInt32(dir.file("train_items.npy"), trainRows, trainRows.length);
                Npy.writeInt32(dir.file("test_items.npy"), testRows, testRows.length);
            } catch (IOException e) {
                throw new LatentfieldException("cannot write the results into " + dir.target() + ": " + e.getMessage() + ".", e);
            }
            dir.commit(List.of("summary.json", "dynamics.png", "series.npy", "train_items.npy", "test_items.npy"));
            if (cl.hasOption("json")) {
                Json.print(out, summary);
            } else {
                out.printf("%-16s %12s %10s %16s %9s %7s%n", "checkpoint", "memorization", "test MSE", "attr tr/te/noise", "Chamfer", "FPR95");
                for (var r : summary.get("series")) {
                    out.printf("%-16s %12.4f %10.5f %8d/%d/%d %9.4f %7.3f%n", r.get("checkpoint").asText(), r.get("memorization").asDouble(),
                            r.get("test_mse").asDouble(), r.get("attractors_train").asInt(), r.get("attractors_test").asInt(),
                            r.get("attractors_noise").asInt(), r.get("chamfer_train_noise").asDouble(), r.get("fpr95_noise_vs_train_trajectories").asDouble());
                }
                out.println("wrote " + dir.target());
            }
            return Main.OK;
        }
    }

    /**
     * Trajectory scores of {@code starts} against {@code attractors}, recorded in bounded chunks.
     * This iterates the starts a second time (the first run, unrecorded, found the attractors the
     * scores need): twice the time instead of n x (max-iter + 1) x k recorded floats at once.
     */
    private static double[] trajectoryScores(EngineChoice choice, TorchScriptAutoencoder map, Points starts, Points attractors,
                                             FixedPointSolver.Options o) {
        FixedPointSolver.Options recorded = o.withRecordEvery(1);
        return OodScores.trajectory(chunk -> choice.solve(chunk, recorded), starts, attractors,
                OodScores.trajectoryChunk(recorded.maxIter(), starts.dim()), Device.CPU);
    }
}
