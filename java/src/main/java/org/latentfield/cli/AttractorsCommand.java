package org.latentfield.cli;

import org.latentfield.mining.EngineChoice;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Datasets;
import org.latentfield.data.ImageSet;
import org.latentfield.data.NpyRows;
import org.latentfield.data.Points;
import org.latentfield.data.StartStream;
import org.latentfield.data.Subsets;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.AttractorRule;
import org.latentfield.dynamics.Attractors;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.dynamics.PolishTally;
import org.latentfield.dynamics.FixedPointKind;
import org.latentfield.dynamics.MergeRule;
import org.latentfield.dynamics.PointState;
import org.latentfield.dynamics.Solver;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.mining.RunTally;
import org.latentfield.mining.StreamingMiner;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.report.AttractorReport;
import org.latentfield.report.Json;
import org.latentfield.report.ModelReport;
import org.latentfield.report.OutputDirectory;

/** {@code latentfield attractors}: iterate f from many starts and deduplicate the endpoints into attractors. */
final class AttractorsCommand implements Main.Command {
    private static final int DEFAULT_SAMPLES = 1000;

    @Override
    public String summary() {
        return "mine the attractors of an autoencoder's latent map f(z) = E(D(z)) from noise, uniform or given starts";
    }

    @Override
    public String synopsis() {
        return "latentfield attractors --model PATH --out DIR [options]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        ModelOptions.add(o);
        o.addOption(Option.builder().longOpt("from").hasArg().argName("noise|uniform:LO:HI|PATH.npy|data:NAME:SPLIT")
                .desc("starting points: z0 ~ N(0, SIGMA^2 I) (default), uniform in [LO, HI)^k, the rows of an N x k .npy, or the"
                        + " latent codes E(x) of a data set (fashion-mnist:train|test, mnist:all, PATH.npy of images)").build());
        o.addOption(Option.builder().longOpt("shuffle").desc("with data starts: a seeded random subset instead of the first --samples items").build());
        o.addOption(Option.builder().longOpt("samples").hasArg().argName("N").desc("number of starts (default 1000; all rows of a .npy)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed of the random starts (default 0)").build());
        o.addOption(Option.builder().longOpt("noise-scale").hasArg().argName("SIGMA").desc("standard deviation of noise starts (default 1)").build());
        o.addOption(Option.builder().longOpt("tol").hasArg().argName("T").desc("converged when ||z_t - z_{t-1}||^2 < T (default 1e-6)").build());
        o.addOption(Option.builder().longOpt("max-iter").hasArg().argName("N").desc("iteration cap; points that reach it are not converged (default 3000)").build());
        o.addOption(Option.builder().longOpt("divergence-bound").hasArg().argName("B").desc("diverged when ||z_t|| > B (default 1e6)").build());
        MergeOption.add(o);
        o.addOption(Option.builder().longOpt("solver").hasArg().argName("picard|anderson[:M[:BETA]]|newton")
                .desc("how fixed points are found: picard iterates z <- f(z) (default; the paper's iteration counts), anderson:M"
                        + " accelerates it with memory M (default 5), newton takes damped Newton steps with the Jacobian (k <= 256)."
                        + " The accelerated solvers can stop at saddles and repellers: those are classified and listed apart from"
                        + " the attractors").build());
        o.addOption(Option.builder().longOpt("batch").hasArg().argName("B").desc("rows evaluated together (default 1024)").build());
        o.addOption(Option.builder().longOpt("record-every").hasArg().argName("R").desc("record z_0, z_R, z_2R, ... into trajectories.npy").build());
        o.addOption(Option.builder().longOpt("chunk").hasArg().argName("C").desc("starts iterated, clustered and written per chunk: memory"
                + " stays O(C x k + attractors x k) whatever --samples is (default: 4 Mi values' worth, between --batch and 65536)").build());
        o.addOption(Option.builder().longOpt("keep").hasArg().argName("all|summary").desc("per-start arrays to write: all (default), or"
                + " summary, which drops starts.npy and endpoints.npy for very large runs (iterations, basins, states stay)").build());
        o.addOption(Option.builder().longOpt("resume").desc("continue the run that an interrupted or killed attractors run with the same"
                + " settings left for this --out, from its last completed chunk").build());
        o.addOption(Option.builder().longOpt("spark").hasArg().argName("MASTER").desc("mine on Apache Spark: local[N] in this JVM,"
                + " spark://HOST:PORT, or what spark-submit passes (needs the spark module; see the README). The per-start table is"
                + " written as Parquet (starts.parquet) instead of the .npy arrays").build());
        o.addOption(Option.builder().longOpt("partitions").hasArg().argName("P").desc("with --spark: ranges of starts, one task each"
                + " (default: Spark's default parallelism)").build());
        o.addOption(Option.builder().longOpt("table").hasArg().argName("URI").desc("with --spark: where the per-start Parquet table"
                + " goes (default DIR/starts.parquet; on a cluster, a file system every executor can write, e.g. hdfs://...)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required().desc("output directory").build());
        o.addOption(Option.builder().longOpt("json").desc("also print summary.json to stdout").build());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        Plan plan = Plan.parse(options(), args);
        if (plan.cl().hasOption("spark")) {
            return SparkRun.run(plan, args, out, err);
        }
        CommandLine cl = plan.cl();
        AttractorRule rule = plan.rule();
        StartSpec starts = plan.starts();
        StreamingMiner.Keep keep = plan.keep();

        try (TorchScriptAutoencoder map = ModelOptions.open(cl, err)) {
            int k = map.latentDim();
            int n = plan.n();
            int[] drawn = null;
            StartStream z0;
            if (starts.kind == StartSpec.Kind.DATA) {
                ImageSet data = ModelData.load(Datasets.defaults(), starts.dataset, map.contract(), err);
                drawn = dataRows(data, starts.dataset, n, cl.hasOption("shuffle"), plan.seed());
                z0 = StartStream.of(new Points(n, k, map.encode(data, drawn)));
            } else {
                z0 = plan.randomOrFile(k);
            }
            try (z0; OutputDirectory dir = OutputDirectory.stageResumable(Path.of(cl.getOptionValue("out")), "attractors", cl.hasOption("resume"));
                 EngineChoice choice = EngineChoice.choose(plan.engine(), map, cl.getOptionValue("model"))) {
                int chunk = plan.chunk(k);
                Map<String, Object> model = ModelReport.facts(map);
                StreamingMiner.Options mining = new StreamingMiner.Options(chunk, keep, plan.slots(), fingerprint(args, model));
                StreamingMiner.ChunkSolver chunkSolver = plan.chunkSolver(choice, map);
                StreamingMiner.Outcome outcome;
                try (ProgressReporter progress = new ProgressReporter("attractors", "points", z0.count(), err)) {
                    outcome = StreamingMiner.mine(z0, chunkSolver, rule, map, mining, dir, progress);
                }
                if (outcome.resumedAt() > 0) {
                    err.println("latentfield: resumed after " + outcome.resumedAt() + " of " + z0.count() + " starts from " + dir.staging() + ".");
                }
                RunTally result = outcome.tally();
                Attractors attractors = outcome.catalog().attractors();
                Map<String, Object> polish = rule instanceof AttractorRule.Identity identity
                        ? polishFacts(outcome.set().polish(), identity, outcome.cosineCount()) : null;

                Map<String, Object> settings = settings(plan, result.samples(), result, attractors.merge(), polish);
                settings.put("chunk", chunk);
                settings.put("chunks", outcome.chunks());
                settings.put("resumed_at", outcome.resumedAt() > 0 ? outcome.resumedAt() : null);
                settings.put("keep", keep.name().toLowerCase(java.util.Locale.ROOT));
                settings.put("eval_batch", map.evalBatch());
                settings.put("device", cl.getOptionValue("device", "auto"));
                settings.put("engine", plan.engineDescription(choice));
                settings.put("engine_check", choice.check());
                settings.put("record_every", plan.recordEvery() == 0 ? null : plan.recordEvery());
                settings.put("workers", map.workers());
                settings.put("torch_threads", map.intraOpThreads());
                ObjectNode summary = summary(model, settings, result, attractors, outcome.cosineCount(), polish != null);
                try {
                    dir.writeSummary(summary);
                } catch (java.io.IOException e) {
                    throw dir.couldNotReceive(e);
                }
                if (drawn != null) {
                    AttractorReport.writeItems(dir, drawn);
                }
                dir.commit(AttractorReport.FILES);

                if (cl.hasOption("json")) {
                    Json.print(out, summary);
                } else {
                    printTable(out, dir.target(), result, attractors);
                }
                return Main.OK;
            }
        }
    }

    static StreamingMiner.Keep parseKeep(String spec) {
        return switch (spec) {
            case "all" -> StreamingMiner.Keep.ALL;
            case "summary" -> StreamingMiner.Keep.SUMMARY;
            default -> throw new LatentfieldException("--keep must be all or summary, got '" + spec + "'.");
        };
    }

    /**
     * What makes a partial run this run: every argument but --resume, --json and the progress
     * of the output (--out is where it lives), and the model's digest.
     */
    private static String fingerprint(String[] args, Map<String, Object> model) {
        StringBuilder b = new StringBuilder();
        for (String a : args) {
            if (!a.equals("--resume") && !a.equals("--json")) {
                b.append(b.length() == 0 ? "" : " ").append(a);
            }
        }
        return b.append(" model sha256 ").append(model.get("sha256")).toString();
    }

    /** The settings every run's summary.json records, in order. */
    static Map<String, Object> settings(Plan plan, long samples, RunTally result, String merge, Map<String, Object> polish) {
        CommandLine cl = plan.cl();
        StartSpec starts = plan.starts();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("from", plan.from());
        settings.put("samples", samples);
        settings.put("seed", starts.kind == StartSpec.Kind.FILE || (starts.kind == StartSpec.Kind.DATA && !cl.hasOption("shuffle"))
                ? null : plan.seed());
        settings.put("noise_scale", starts.kind == StartSpec.Kind.NOISE ? plan.sigma() : null);
        settings.put("tol", plan.solver().tol());
        settings.put("max_iter", plan.solver().maxIter());
        settings.put("divergence_bound", plan.solver().divergenceBound());
        settings.put("solver", plan.method().spec());
        settings.put("iteration_dtype", result.iterationDtype()); // the root-finders iterate in float32 even for a float64 model
        settings.put("merge", merge);
        if (polish != null) {
            settings.put("polish", polish);
        }
        settings.put("batch", plan.solver().batchSize());
        return settings;
    }

    /** The summary of a finished run: its settings, tally and attractors, with the two rules' counts for the identity rule. */
    static ObjectNode summary(Map<String, Object> model, Map<String, Object> settings, RunTally result, Attractors attractors, int cosineCount,
                              boolean identity) {
        ObjectNode summary = AttractorReport.summary(model, settings, result, attractors, NativeKernels.version());
        if (identity) {
            ObjectNode byRule = summary.putObject("attractor_count_by_rule");
            byRule.put(attractors.merge(), attractors.count());
            byRule.put(MergeRule.paperDefault().spec(), cosineCount);
            summary.put("rules_agree", attractors.count() == cosineCount);
        }
        return summary;
    }

    /** The first (or, shuffled, a seeded random subset of) {@code n} item indices of a data set. */
    private static int[] dataRows(ImageSet data, String spec, int n, boolean shuffle, long seed) {
        if (n > data.count()) {
            throw new LatentfieldException("--samples " + n + " asks for more items than the " + data.count() + " of " + spec + ".");
        }
        return shuffle ? Subsets.seeded(data.count(), n, seed) : java.util.stream.IntStream.range(0, n).toArray();
    }

    static void printTable(PrintStream out, Path dir, RunTally r, Attractors a) {
        out.printf("starts %d: converged %d, not converged %d, diverged %d%n", r.samples(), r.count(PointState.CONVERGED),
                r.count(PointState.NOT_CONVERGED), r.count(PointState.DIVERGED));
        out.printf("attractors %d (merge %s)%n", a.count(), a.merge());
        int shown = Math.min(10, a.count());
        for (int i = 0; i < shown; i++) {
            var at = a.attractors().get(i);
            double norm = 0;
            for (float v : at.point()) {
                norm += v * v;
            }
            out.printf("  #%-3d basin %7d  mean iterations %8.1f  |z*| %.4f%n", i, at.basinSize(), at.meanIterations(), Math.sqrt(norm));
        }
        if (a.count() > shown) {
            out.printf("  ... %d more in attractors.npy%n", a.count() - shown);
        }
        if (!a.others().isEmpty()) {
            out.printf("other fixed points %d (not attractors; fixed_points.npy):", a.others().size());
            for (FixedPointKind kind : FixedPointKind.values()) {
                if (kind != FixedPointKind.ATTRACTOR && a.count(kind) > 0) {
                    out.printf(" %s %d (%d starts)", kind.label(), a.count(kind), a.startsAt(kind));
                }
            }
            out.println();
        }
        out.printf("%.0f point-iterations/s over %.2f s; results in %s%n", r.pointIterationsPerSecond(), r.seconds(), dir);
    }

    /** The settings of a run, parsed and checked before anything is loaded. */
    record Plan(CommandLine cl, String from, int samples, long seed, double sigma, int recordEvery, FixedPointSolver.Options solver,
                AttractorRule rule, Solver method, String engine, StartSpec starts, StreamingMiner.Keep keep, int chunkOption) {
        static Plan parse(Options options, String[] args) throws ParseException {
            CommandLine cl = Args.parse(options, args);
            String from = cl.getOptionValue("from", "noise");
            int samples = Args.integer(cl, "samples", 0);
            if (cl.hasOption("samples") && samples < 1) {
                throw new LatentfieldException("--samples must be a positive integer, got " + samples + ".");
            }
            long seed = Args.longValue(cl, "seed", 0);
            double sigma = Args.real(cl, "noise-scale", 1.0);
            int recordEvery = Args.integer(cl, "record-every", 0);
            if (cl.hasOption("record-every") && recordEvery < 1) {
                throw new LatentfieldException("--record-every must be a positive integer, got " + recordEvery + ".");
            }
            FixedPointSolver.Options solver = new FixedPointSolver.Options(
                    Args.real(cl, "tol", FixedPointSolver.Options.DEFAULT_TOL),
                    Args.integer(cl, "max-iter", FixedPointSolver.Options.DEFAULT_MAX_ITER),
                    Args.real(cl, "divergence-bound", FixedPointSolver.Options.DEFAULT_DIVERGENCE_BOUND),
                    Args.integer(cl, "batch", FixedPointSolver.Options.DEFAULT_BATCH),
                    recordEvery);
            AttractorRule rule = MergeOption.parse(cl);
            Solver method = Solver.parse(cl.getOptionValue("solver", "picard"));
            if (!(method instanceof Solver.Picard) && EngineOption.spec(cl).equals("native")) {
                throw new LatentfieldException("--engine native runs Picard iteration only; --solver " + method.spec()
                        + " evaluates f with LibTorch (--engine torch or auto).");
            }
            String engine = EngineOption.spec(cl);
            StartSpec starts = StartSpec.parse(from);
            if (starts.kind == StartSpec.Kind.NOISE) {
                StartPoints.checkNoiseScale(sigma);
            }
            if (starts.kind == StartSpec.Kind.UNIFORM) {
                StartPoints.checkBox(starts.lo, starts.hi);
            }
            StreamingMiner.Keep keep = parseKeep(cl.getOptionValue("keep", "all"));
            int chunkOption = Args.integer(cl, "chunk", 0);
            if (cl.hasOption("chunk") && chunkOption < 1) {
                throw new LatentfieldException("--chunk must be a positive integer, got " + chunkOption + ".");
            }
            return new Plan(cl, from, samples, seed, sigma, recordEvery, solver, rule, method, engine, starts, keep, chunkOption);
        }

        /** The number of starts asked for (a file's rows are counted when it is opened). */
        int n() {
            return samples > 0 ? samples : DEFAULT_SAMPLES;
        }

        /** Noise, uniform or file starts (data starts need the model: see {@link #run}). */
        StartStream randomOrFile(int k) {
            return switch (starts.kind) {
                case NOISE -> StartStream.noise(n(), k, sigma, seed);
                case UNIFORM -> StartStream.uniform(n(), k, starts.lo, starts.hi, seed);
                case FILE -> {
                    NpyRows rows = NpyRows.open(starts.file, k, "starting points");
                    yield StartStream.rows(rows, StartPoints.count(rows, samples, starts.file));
                }
                default -> throw new IllegalStateException("data starts are encoded by the model");
            };
        }

        /** Trajectory slots per start (0: none recorded). */
        int slots() {
            return recordEvery == 0 ? 0 : solver.maxIter() / recordEvery + 1;
        }

        /** Starts per chunk: --chunk, or {@link StreamingMiner.Options#defaultChunk}. */
        int chunk(int k) {
            return chunkOption > 0 ? chunkOption : StreamingMiner.Options.defaultChunk(k, solver.batchSize(), slots());
        }

        /** Iterates a chunk with the chosen engine (Picard) or LibTorch (the other solvers). */
        StreamingMiner.ChunkSolver chunkSolver(EngineChoice choice, TorchScriptAutoencoder map) {
            return method instanceof Solver.Picard
                    ? (points, progress) -> choice.solve(points, solver, progress)
                    : (points, progress) -> method.solve(map, points, solver, progress);
        }

        /** The engine as summary.json names it. */
        String engineDescription(EngineChoice choice) {
            return method instanceof Solver.Picard ? choice.description() : "torch (the " + method.spec() + " solver runs on LibTorch)";
        }
    }

    /** The parsed --from value. */
    static final class StartSpec {
        enum Kind { NOISE, UNIFORM, FILE, DATA }

        final Kind kind;
        final double lo;
        final double hi;
        final Path file;
        final String dataset;

        private StartSpec(Kind kind, double lo, double hi, Path file) {
            this(kind, lo, hi, file, null);
        }

        private StartSpec(Kind kind, double lo, double hi, Path file, String dataset) {
            this.kind = kind;
            this.lo = lo;
            this.hi = hi;
            this.file = file;
            this.dataset = dataset;
        }

        static StartSpec parse(String from) {
            if (from.equals("noise")) {
                return new StartSpec(Kind.NOISE, 0, 0, null);
            }
            if (from.startsWith("uniform:")) {
                String[] p = from.split(":");
                try {
                    if (p.length == 3) {
                        return new StartSpec(Kind.UNIFORM, Double.parseDouble(p[1]), Double.parseDouble(p[2]), null);
                    }
                } catch (NumberFormatException e) {
                    // falls through
                }
                throw new LatentfieldException("--from uniform:LO:HI needs two numbers, e.g. uniform:-8:8, got '" + from + "'.");
            }
            if (from.startsWith("data:") && from.length() > 5) {
                return new StartSpec(Kind.DATA, 0, 0, null, from.substring(5));
            }
            if (from.endsWith(".npy")) {
                return new StartSpec(Kind.FILE, 0, 0, Path.of(from));
            }
            throw new LatentfieldException("--from must be noise, uniform:LO:HI, a .npy file of shape (N, k) or data:NAME:SPLIT, got '"
                    + from + "'.");
        }
    }

    /** What polishing did, and the paper's count on the same endpoints, for summary.json's settings. */
    static Map<String, Object> polishFacts(PolishTally p, AttractorRule.Identity rule, int cosineCount) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("method", p.method());
        facts.put("tol", p.tol());
        facts.put("tol_requested", rule.tol());
        if (p.tol() > rule.tol()) {
            facts.put("tol_note", "the model computes in float32: polishing is held to its floor " + p.tol() + ", not " + rule.tol());
        }
        facts.put("max_steps", rule.maxSteps());
        facts.put("polished", p.polished());
        facts.put("polished_with_own_jacobian", p.seeded());
        facts.put("reached", p.reached());
        facts.put("steps_max", p.stepsMax());
        facts.put("residual_max", p.residualMax());
        facts.put("not_reached", p.polished() - p.reached());
        facts.put("attractor_count_cosine", cosineCount);
        return facts;
    }
}
