package org.latentfield.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.analysis.SolverComparison;
import org.latentfield.data.Npy;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.AttractorRule;
import org.latentfield.dynamics.Attractors;
import org.latentfield.dynamics.FixedPointKind;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.dynamics.PicardRates;
import org.latentfield.dynamics.PointState;
import org.latentfield.dynamics.Solver;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.report.AttractorReport;
import org.latentfield.report.Figures;
import org.latentfield.report.ModelReport;
import org.latentfield.report.OutputDirectory;

/**
 * {@code latentfield complexity}: the fixed-point solvers side by side on the same starts
 * (issue 12). Every solver evaluates f with LibTorch, so the comparison is of the solvers, not
 * of engines. Per solver: iterations, evaluations of f and J, wall time, attractors found and
 * their agreement with Picard's; for Picard, the observed asymptotic rate of every converged
 * start against rho(J) of its attractor ({@link PicardRates}).
 */
final class ComplexityCommand implements Main.Command {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> FILES = List.of("summary.json", "starts.npy", "rate.npy", "rho.npy", "rate_vs_rho.png", "evaluations.png");

    @Override
    public String summary() {
        return "iteration complexity: Picard, Anderson and Newton side by side on the same starts, and Picard's rate against rho(J)";
    }

    @Override
    public String synopsis() {
        return "latentfield complexity --model PATH --out DIR [--solvers picard,anderson:5,newton] [options]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        ModelOptions.add(o);
        o.addOption(Option.builder().longOpt("solvers").hasArg().argName("LIST")
                .desc("comma-separated solvers (default picard,anderson:5,newton; picard is always run first, as the reference)").build());
        o.addOption(Option.builder().longOpt("samples").hasArg().argName("N").desc("N(0, SIGMA^2 I) starts (default 1024)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed of the starts (default 0)").build());
        o.addOption(Option.builder().longOpt("noise-scale").hasArg().argName("SIGMA").desc("standard deviation of the starts (default 1)").build());
        o.addOption(Option.builder().longOpt("tol").hasArg().argName("T").desc("stop when ||f(z) - z||^2 < T (default 1e-6)").build());
        o.addOption(Option.builder().longOpt("max-iter").hasArg().argName("N").desc("iteration cap (default 3000)").build());
        o.addOption(Option.builder().longOpt("batch").hasArg().argName("B").desc("rows evaluated together (default 1024)").build());
        MergeOption.add(o);
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                .desc("output directory: summary.json, rate.npy (per start, Picard's observed rate; NaN where undefined), rho.npy (per"
                        + " start, rho(J) at its Picard attractor), SOLVER_iterations.npy, SOLVER_evaluations.npy, SOLVER_basin.npy,"
                        + " rate_vs_rho.png, evaluations.png").build());
        o.addOption(Option.builder().longOpt("json").desc("print summary.json to stdout").build());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = Args.parse(options(), args);
        List<Solver> solvers = solvers(cl.getOptionValue("solvers", "picard,anderson:5,newton"));
        int n = Args.samples(cl, 1024);
        long seed = Args.longValue(cl, "seed", 0);
        double sigma = Args.real(cl, "noise-scale", 1.0);
        StartPoints.checkNoiseScale(sigma);
        FixedPointSolver.Options options = new FixedPointSolver.Options(Args.real(cl, "tol", FixedPointSolver.Options.DEFAULT_TOL),
                Args.integer(cl, "max-iter", FixedPointSolver.Options.DEFAULT_MAX_ITER), FixedPointSolver.Options.DEFAULT_DIVERGENCE_BOUND,
                Args.integer(cl, "batch", FixedPointSolver.Options.DEFAULT_BATCH), 0);
        if (EngineOption.spec(cl).equals("native")) {
            throw new LatentfieldException("complexity evaluates f with LibTorch for every solver, so that they are compared on one engine;"
                    + " --engine native is not available here (--engine torch or auto).");
        }
        AttractorRule rule = MergeOption.parse(cl);
        if (!(rule instanceof AttractorRule.Identity identity)) {
            throw new LatentfieldException("complexity compares solvers by the identity rule (--merge identity); '" + rule.spec()
                    + "' cannot tell the attractors a root-finder finds from its saddles.");
        }
        try (OutputDirectory dir = OutputDirectory.stage(Path.of(cl.getOptionValue("out")), "complexity");
             TorchScriptAutoencoder map = ModelOptions.open(cl, err)) {
            int k = map.latentDim();
            Points starts = StartPoints.gaussian(n, k, sigma, seed);
            List<String> files = new ArrayList<>(FILES);
            ObjectNode summary = JSON.createObjectNode();
            summary.set("model", JSON.valueToTree(ModelReport.facts(map)));
            ObjectNode settings = summary.putObject("settings");
            settings.put("samples", n).put("seed", seed).put("noise_scale", sigma).put("tol", options.tol()).put("max_iter", options.maxIter())
                    .put("batch", options.batchSize()).put("merge", identity.spec()).put("engine", "torch (every solver)")
                    .put("eval_batch", map.evalBatch()).put("torch_threads", map.intraOpThreads());
            ArrayNode rows = summary.putArray("solvers");
            Attractors reference = null;
            PicardRates rates = null;
            Map<String, double[]> evalSeries = new LinkedHashMap<>();
            for (Solver solver : solvers) {
                FixedPointResult run;
                try (ProgressReporter progress = new ProgressReporter("complexity " + solver.spec(), "points", n, err)) {
                    if (solver instanceof Solver.Picard) {
                        rates = PicardRates.measure(map, starts, options, progress);
                        run = rates.run();
                    } else {
                        run = solver.solve(map, starts, options, progress);
                    }
                }
                long began = System.nanoTime();
                Attractors.Identified identified = identity.identify(run, map);
                double identifySeconds = (System.nanoTime() - began) / 1e9;
                Attractors found = identified.attractors();
                ObjectNode row = rows.addObject();
                row.put("solver", solver.spec());
                row.put("converged", run.count(PointState.CONVERGED)).put("not_converged", run.count(PointState.NOT_CONVERGED))
                        .put("diverged", run.count(PointState.DIVERGED));
                AttractorReport.putStats(row.putObject("iterations"), "all starts", run.iterations());
                AttractorReport.putStats(row.putObject("evaluations"), "all starts", run.evaluations());
                AttractorReport.putStats(row.putObject("jacobian_evaluations"), "all starts", run.jacobianEvaluations());
                row.put("iteration_dtype", run.iterationDtype());
                row.put("seconds", run.seconds());
                row.put("identify_seconds", identifySeconds);
                row.put("attractors", found.count());
                ObjectNode kinds = row.putObject("other_fixed_points");
                for (FixedPointKind kind : FixedPointKind.values()) {
                    if (kind != FixedPointKind.ATTRACTOR) {
                        kinds.put(kind.label(), found.count(kind));
                    }
                }
                if (reference == null) {
                    reference = found;
                } else {
                    SolverComparison c = SolverComparison.of(reference, found, identified.polished().tol());
                    row.put("picard_attractors_found", c.foundCount()).put("all_picard_attractors_found", c.allFound())
                            .put("attractors_picard_lacks", c.extraCount()).put("basin_agreement", c.basinAgreement());
                }
                evalSeries.put(solver.spec(), Arrays.stream(run.evaluations()).asDoubleStream().toArray());
                String name = solver.spec().replace(':', '_');
                try {
                    Npy.writeInt32(dir.file(name + "_iterations.npy"), run.iterations(), n);
                    Npy.writeInt32(dir.file(name + "_evaluations.npy"), run.evaluations(), n);
                    Npy.writeInt32(dir.file(name + "_basin.npy"), found.basin(), n);
                } catch (IOException e) {
                    throw written(dir, e);
                }
                files.addAll(List.of(name + "_iterations.npy", name + "_evaluations.npy", name + "_basin.npy"));
            }
            double[] rho = rateVsRho(summary, rates, reference, n);
            try {
                Npy.writeFloat32(dir.file("starts.npy"), starts.data(), n, k);
                Npy.writeFloat64(dir.file("rate.npy"), rates.rate(), n);
                Npy.writeFloat64(dir.file("rho.npy"), rho, n);
                Figures.scatter(dir.file("rate_vs_rho.png"), "Picard's observed rate against rho(J) at its attractor", "rho(J(z*))",
                        "observed rate (last " + PicardRates.WINDOW + " steps)", Map.of("starts", pairs(rho, rates.rate())));
                Figures.histograms(dir.file("evaluations.png"), "Evaluations of f per start", "evaluations of f", evalSeries, 40);
                summary.put("latentfield_version", NativeKernels.version());
                summary.set("model", JSON.valueToTree(ModelReport.facts(map))); // again, now with who took the Jacobians
                dir.writeSummary(summary);
            } catch (IOException e) {
                throw written(dir, e);
            }
            dir.commit(files);
            if (cl.hasOption("json")) {
                org.latentfield.report.Json.print(out, summary);
            } else {
                table(out, summary, dir.target());
            }
            return Main.OK;
        }
    }

    /** The solvers of a --solvers list, Picard first (added when missing: it is the reference). */
    static List<Solver> solvers(String spec) {
        List<Solver> list = new ArrayList<>();
        list.add(new Solver.Picard());
        for (String s : spec.split(",", -1)) {
            Solver solver = Solver.parse(s);
            if (list.stream().anyMatch(x -> x.spec().equals(solver.spec()))) {
                if (solver instanceof Solver.Picard) {
                    continue;
                }
                throw new LatentfieldException("--solvers names " + solver.spec() + " twice.");
            }
            list.add(solver);
        }
        return list;
    }

    /** Adds the rate-vs-rho block; returns rho(J) of each start's Picard attractor (NaN without one). */
    private static double[] rateVsRho(ObjectNode summary, PicardRates rates, Attractors picard, int n) {
        double[] rho = new double[n];
        Arrays.fill(rho, Double.NaN);
        int[] basin = picard.basin();
        ObjectNode block = summary.putObject("rate_vs_rho");
        block.put("definition", "observed rate q = (s_T / s_{T-w})^(1/w) over the last w = " + PicardRates.WINDOW
                + " steps s_t = ||z_t - z_{t-1}|| of each converged Picard start, against rho(J_f) at the polished attractor it reaches");
        ArrayNode per = block.putArray("attractors");
        List<Double> all = new ArrayList<>();
        for (int a = 0; a < picard.count(); a++) {
            double r = picard.attractors().get(a).rho();
            List<Double> qs = new ArrayList<>();
            for (int s = 0; s < n; s++) {
                if (basin[s] == a) {
                    rho[s] = r;
                    if (Double.isFinite(rates.rate()[s])) {
                        qs.add(rates.rate()[s]);
                        all.add(Math.abs(rates.rate()[s] - r));
                    }
                }
            }
            double median = median(qs);
            per.addObject().put("index", a).put("rho", r).put("basin_size", picard.attractors().get(a).basinSize())
                    .put("rate_median", median).put("abs_difference", Math.abs(median - r)).put("rates_measured", qs.size());
        }
        block.put("median_abs_difference", median(all));
        block.put("starts_measured", all.size());
        return rho;
    }

    private static double median(List<Double> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static double[][] pairs(double[] x, double[] y) {
        int m = 0;
        for (int i = 0; i < x.length; i++) {
            m += Double.isFinite(x[i]) && Double.isFinite(y[i]) ? 1 : 0;
        }
        double[][] xy = new double[2][m];
        for (int i = 0, j = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                xy[0][j] = x[i];
                xy[1][j++] = y[i];
            }
        }
        return xy;
    }

    private static LatentfieldException written(OutputDirectory dir, IOException e) {
        return new LatentfieldException("output directory " + dir.target() + " could not receive the results (" + e.getMessage()
                + "); nothing was changed in it.", e);
    }

    private static void table(PrintStream out, ObjectNode s, Path dir) {
        out.printf("%-16s %9s %9s %9s %10s %9s %9s %8s %10s %7s %9s%n", "solver", "converged", "it med", "it p90", "it max", "f med",
                "J med", "wall s", "attractors", "others", "found");
        for (var row : s.get("solvers")) {
            int others = 0;
            for (var v : row.get("other_fixed_points")) {
                others += v.asInt();
            }
            out.printf("%-16s %9d %9.0f %9.0f %10d %9.0f %9.0f %8.2f %10d %7d %9s%n", row.get("solver").asText(), row.get("converged").asInt(),
                    row.get("iterations").get("median").asDouble(), row.get("iterations").get("p90").asDouble(),
                    row.get("iterations").get("max").asInt(), row.get("evaluations").get("median").asDouble(),
                    row.get("jacobian_evaluations").get("median").asDouble(), row.get("seconds").asDouble(), row.get("attractors").asInt(), others,
                    row.has("picard_attractors_found") ? row.get("picard_attractors_found").asInt() + "/" + s.get("solvers").get(0).get("attractors").asInt()
                            : "ref");
        }
        var r = s.get("rate_vs_rho");
        out.printf("Picard rate vs rho(J): median |q - rho| %.2e over %d starts; results in %s%n", r.get("median_abs_difference").asDouble(),
                r.get("starts_measured").asInt(), dir);
    }
}
