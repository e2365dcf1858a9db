package org.latentfield.cli;

import org.latentfield.mining.EngineChoice;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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
import org.latentfield.analysis.Detection;
import org.latentfield.analysis.OodScores;
import org.latentfield.data.Datasets;
import org.latentfield.data.ImageSet;
import org.latentfield.data.Npy;
import org.latentfield.data.Points;
import org.latentfield.data.Subsets;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.Attractors;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.dynamics.AttractorRule;
import org.latentfield.kernels.Device;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.report.Json;
import org.latentfield.report.ModelReport;
import org.latentfield.report.Figures;
import org.latentfield.report.OutputDirectory;

/**
 * {@code latentfield ood}: OOD detection from latent trajectories (PAPER.md section 5) against
 * KNN, Mahalanobis and reconstruction-error baselines, on the same samples in one run.
 */
final class OodCommand implements Main.Command {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String summary() {
        return "OOD detection by the trajectory score (distance to training attractors along z_0..z_T) vs KNN, Mahalanobis and"
                + " reconstruction MSE: AUROC, FPR95, AUPR and score histograms";
    }

    @Override
    public String synopsis() {
        return "latentfield ood --model PATH --out DIR [--id DATA] [--train DATA] [--ood DATA,DATA...] [options]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        ModelOptions.add(o);
        o.addOption(Option.builder().longOpt("id").hasArg().argName("DATA").desc("in-distribution test data (default fashion-mnist:test)").build());
        o.addOption(Option.builder().longOpt("train").hasArg().argName("DATA").desc("training data (default fashion-mnist:train)").build());
        o.addOption(Option.builder().longOpt("ood").hasArg().argName("DATA,...")
                .desc("OOD sets (default mnist:all,gaussian-noise:all,uniform-noise:all)").build());
        o.addOption(Option.builder().longOpt("samples").hasArg().argName("N").desc("samples per ID/OOD set, seeded subset (default 1000)").build());
        o.addOption(Option.builder().longOpt("train-samples").hasArg().argName("N")
                .desc("training samples: attractors are mined from the first 2000 (the paper's), all are the KNN/Mahalanobis"
                        + " reference (default 5000)").build());
        o.addOption(Option.builder().longOpt("attractors-from").hasArg().argName("train|noise")
                .desc("reference attractors from training codes (default, the paper's) or from N(0, I) starts").build());
        o.addOption(Option.builder().longOpt("knn-k").hasArg().argName("K,...").desc("KNN neighbour counts (default 1,10,100,1000)").build());
        o.addOption(Option.builder().longOpt("tol").hasArg().argName("T").desc("stopping tolerance (default 1e-5, the paper's OOD setting)").build());
        o.addOption(Option.builder().longOpt("max-iter").hasArg().argName("N").desc("iteration cap (default 500)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed of the subsets and noise starts (default 0)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                .desc("output directory: summary.json, scores_<method>.npy (all samples, set order), set.npy (each sample's set),"
                        + " items.npy (each sample's index in its set), train_items.npy (the training items drawn), hist_<method>.png").build());
        o.addOption(Option.builder().longOpt("json").desc("print summary.json to stdout").build());
        MergeOption.add(o);
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = Args.parse(options(), args);
        int samples = Args.integer(cl, "samples", 1000), trainSamples = Args.integer(cl, "train-samples", 5000);
        if (samples < 2 || trainSamples < 2) {
            throw new LatentfieldException("--samples and --train-samples must be at least 2.");
        }
        String from = cl.getOptionValue("attractors-from", "train");
        if (!from.equals("train") && !from.equals("noise")) {
            throw new LatentfieldException("--attractors-from must be train or noise, got '" + from + "'.");
        }
        int[] ks = kList(cl.getOptionValue("knn-k", "1,10,100,1000"), trainSamples);
        long seed = Args.longValue(cl, "seed", 0);
        String engine = EngineOption.spec(cl);
        AttractorRule rule = MergeOption.parse(cl);
        FixedPointSolver.Options solver = new FixedPointSolver.Options(Args.real(cl, "tol", 1e-5), Args.integer(cl, "max-iter", 500),
                FixedPointSolver.Options.DEFAULT_DIVERGENCE_BOUND, 1024, 1);
        List<String> sets = new ArrayList<>();
        sets.add(cl.getOptionValue("id", "fashion-mnist:test"));
        for (String s : cl.getOptionValue("ood", "mnist:all,gaussian-noise:all,uniform-noise:all").split(",")) {
            if (!s.isBlank()) {
                sets.add(s.strip());
            }
        }
        if (sets.size() < 2) {
            throw new LatentfieldException("--ood names no data set.");
        }
        Datasets registry = Datasets.defaults();
        try (OutputDirectory dir = OutputDirectory.stage(Path.of(cl.getOptionValue("out")), "ood");
             TorchScriptAutoencoder map = ModelOptions.open(cl, err)) {
            int k = map.latentDim();
            try (EngineChoice choice = EngineChoice.choose(engine, map, cl.getOptionValue("model"))) {
                ImageSet train = ModelData.load(registry, cl.getOptionValue("train", "fashion-mnist:train"), map.contract(), err);
                int[] trainRows = Subsets.seeded(train.count(), trainSamples, seed);
                Map<String, Integer> used = new LinkedHashMap<>();
                used.put("train", trainRows.length);
                shrunk(err, "--train-samples", trainSamples, cl.getOptionValue("train", "fashion-mnist:train"), trainRows.length);
                Points trainCodes = new Points(trainRows.length, k, map.encode(train, trainRows));
                Points attractorStarts = from.equals("train")
                        ? new Points(Math.min(2000, trainCodes.n()), k, java.util.Arrays.copyOf(trainCodes.data(), Math.min(2000, trainCodes.n()) * k))
                        : StartPoints.gaussian(2000, k, 1.0, seed);
                FixedPointSolver.Options mining = new FixedPointSolver.Options(solver.tol(), solver.maxIter(), solver.divergenceBound(), 1024, 0);
                Attractors reference = rule.apply(choice.solve(attractorStarts, mining), map);
                if (reference.count() == 0) {
                    throw new LatentfieldException("no start converged within " + solver.maxIter() + " iterations, so there are no reference"
                            + " attractors; raise --max-iter or --tol.");
                }
                Points refPoints = reference.points(k);
                Map<String, List<double[]>> scores = new LinkedHashMap<>();
                List<Integer> setOf = new ArrayList<>();
                List<Integer> itemOf = new ArrayList<>();
                for (int si = 0; si < sets.size(); si++) {
                    ImageSet data = ModelData.load(registry, sets.get(si), map.contract(), err);
                    int[] rows = Subsets.seeded(data.count(), samples, seed + 1 + si);
                    used.put(sets.get(si), rows.length);
                    shrunk(err, "--samples", samples, sets.get(si), rows.length);
                    Points codes = new Points(rows.length, k, map.encode(data, rows));
                    add(scores, "trajectory", OodScores.trajectory(starts -> choice.solve(starts, solver), codes, refPoints,
                            OodScores.trajectoryChunk(solver.maxIter(), k), Device.CPU));
                    add(scores, "attractor_distance", OodScores.attractorDistance(codes, refPoints, Device.CPU));
                    for (int kk : ks) {
                        add(scores, "knn_k" + kk, OodScores.knn(codes, trainCodes, kk, Device.CPU));
                    }
                    add(scores, "mahalanobis", OodScores.mahalanobis(codes, trainCodes));
                    add(scores, "reconstruction_mse", map.reconstructionErrors(data, rows));
                    for (int row : rows) {
                        setOf.add(si);
                        itemOf.add(row);
                    }
                }
                ObjectNode summary = summary(map, cl, sets, reference.count(), from, solver, ks, scores);
                summary.put("samples_requested", samples);
                summary.put("train_samples_requested", trainSamples);
                summary.set("samples_used", JSON.valueToTree(used));
                write(dir, summary, sets, scores, setOf, itemOf, trainRows);
                if (cl.hasOption("json")) {
                    Json.print(out, summary);
                } else {
                    printTable(out, sets, summary);
                    out.println("wrote " + dir.target());
                }
                return Main.OK;
            }
        }
    }

    /** A note when a data set holds fewer items than requested, so all of them are used. */
    private static void shrunk(PrintStream err, String option, int requested, String set, int used) {
        if (used < requested) {
            err.println(DeferredNotes.PREFIX + option + " " + requested + " is more than " + set + " holds; all " + used
                    + " of its items are used (summary.json: samples_used)");
        }
    }

    private static void add(Map<String, List<double[]>> scores, String method, double[] s) {
        scores.computeIfAbsent(method, m -> new ArrayList<>()).add(s);
    }

    private static ObjectNode summary(TorchScriptAutoencoder map, CommandLine cl, List<String> sets, int attractors, String from, FixedPointSolver.Options solver,
                                      int[] ks, Map<String, List<double[]>> scores) throws ParseException {
        ObjectNode s = JSON.createObjectNode();
        s.set("model", JSON.valueToTree(ModelReport.facts(map)));
        s.put("id", sets.get(0));
        s.put("train", cl.getOptionValue("train", "fashion-mnist:train"));
        s.put("reference_attractors", attractors);
        s.put("merge", MergeOption.parse(cl).spec());
        s.put("attractors_from", from);
        s.put("tol", solver.tol());
        s.put("max_iter", solver.maxIter());
        s.put("knn_k", java.util.Arrays.toString(ks));
        s.put("score_convention", "higher = more OOD; ID is the positive class");
        ObjectNode results = s.putObject("results");
        scores.forEach((method, perSet) -> {
            ObjectNode m = results.putObject(method);
            for (int si = 1; si < sets.size(); si++) {
                Detection.Metrics d = Detection.evaluate(perSet.get(0), perSet.get(si));
                m.putObject(sets.get(si)).put("auroc", d.auroc()).put("fpr95", d.fpr95()).put("aupr", d.aupr());
            }
        });
        return s;
    }

    private static void write(OutputDirectory dir, ObjectNode summary, List<String> sets, Map<String, List<double[]>> scores, List<Integer> setOf,
                              List<Integer> itemOf, int[] trainRows) {
        List<String> files = new ArrayList<>(List.of("summary.json", "set.npy", "items.npy", "train_items.npy"));
        try {
            for (var e : scores.entrySet()) {
                double[] all = e.getValue().stream().flatMapToDouble(java.util.Arrays::stream).toArray();
                Npy.writeFloat64(dir.file("scores_" + e.getKey() + ".npy"), all, all.length);
                files.add("scores_" + e.getKey() + ".npy");
                Map<String, double[]> hist = new LinkedHashMap<>();
                for (int si = 0; si < sets.size(); si++) {
                    hist.put((si == 0 ? "ID " : "OOD ") + sets.get(si), e.getValue().get(si));
                }
                Figures.histograms(dir.file("hist_" + e.getKey() + ".png"), e.getKey() + " scores", "score (higher = more OOD)", hist, 60);
                files.add("hist_" + e.getKey() + ".png");
            }
            Npy.writeInt32(dir.file("set.npy"), setOf.stream().mapToInt(Integer::intValue).toArray(), setOf.size());
            Npy.writeInt32(dir.file("items.npy"), itemOf.stream().mapToInt(Integer::intValue).toArray(), itemOf.size());
            Npy.writeInt32(dir.file("train_items.npy"), trainRows, trainRows.length);
            dir.writeSummary(summary);
        } catch (IOException e) {
            throw new LatentfieldException("cannot write the results into " + dir.target() + ": " + e.getMessage() + ".", e);
        }
        dir.commit(files);
    }

    private static void printTable(PrintStream out, List<String> sets, ObjectNode summary) {
        out.printf("ID %s; %d reference attractors (from %s); AUROC / FPR95 / AUPR%n", sets.get(0),
                summary.get("reference_attractors").asInt(), summary.get("attractors_from").asText());
        StringBuilder head = new StringBuilder(String.format("%-20s", "method"));
        for (int si = 1; si < sets.size(); si++) {
            head.append(String.format(" | %-24s", sets.get(si)));
        }
        out.println(head);
        summary.get("results").fields().forEachRemaining(m -> {
            StringBuilder row = new StringBuilder(String.format("%-20s", m.getKey()));
            for (int si = 1; si < sets.size(); si++) {
                var r = m.getValue().get(sets.get(si));
                row.append(String.format(" | %6.3f / %5.3f / %5.3f ", r.get("auroc").asDouble(), r.get("fpr95").asDouble(), r.get("aupr").asDouble()));
            }
            out.println(row);
        });
    }

    private static int[] kList(String spec, int trainSamples) {
        try {
            int[] ks = java.util.Arrays.stream(spec.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
            for (int k : ks) {
                if (k < 1 || k > trainSamples) {
                    throw new LatentfieldException("--knn-k values must be in [1, --train-samples = " + trainSamples + "], got " + k + ".");
                }
            }
            return ks;
        } catch (NumberFormatException e) {
            throw new LatentfieldException("--knn-k must be comma-separated integers such as 1,10,100, got '" + spec + "'.");
        }
    }
}
