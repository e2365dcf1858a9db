package org.latentfield.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.data.NpyRows;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.AttractorRule;
import org.latentfield.dynamics.AttractorSet;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.mining.ClusterMiner;
import org.latentfield.report.RunFiles;
import org.latentfield.mining.RunTally;
import org.latentfield.report.AttractorReport;
import org.latentfield.report.Json;
import org.latentfield.report.ModelReport;
import org.latentfield.report.OutputDirectory;

/**
 * {@code attractors --spark MASTER}: the same run through a {@link ClusterMiner} (the spark
 * module). The driver checks the arguments and the model, stages --out, hands the job over, and
 * writes summary.json and attractors.npy (and, for the identity rule, the other fixed points)
 * from the merged partitions; the per-start table is Parquet ({@code starts.parquet}).
 */
final class SparkRun {
    /** The per-start table's name in --out. */
    static final String TABLE = "starts.parquet";

    private SparkRun() {}

    static int run(AttractorsCommand.Plan plan, String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = plan.cl();
        String master = cl.getOptionValue("spark");
        if (plan.starts().kind == AttractorsCommand.StartSpec.Kind.DATA) {
            throw new LatentfieldException("--spark takes noise, uniform or .npy starts; encode the data set first (its latent codes as a .npy)"
                    + " and pass --from CODES.npy.");
        }
        for (String single : List.of("resume", "record-every")) {
            if (cl.hasOption(single)) {
                throw new LatentfieldException("--" + single + " is for single-machine runs; a Spark run re-runs failed tasks itself"
                        + (single.equals("record-every") ? " and keeps no trajectories" : "") + ".");
            }
        }
        int partitions = Args.integer(cl, "partitions", 0);
        if (cl.hasOption("partitions") && partitions < 1) {
            throw new LatentfieldException("--partitions must be a positive integer, got " + partitions + ".");
        }
        ClusterMiner miner = ClusterMiner.find().orElseThrow(() -> new LatentfieldException("--spark needs latentfield's spark module on the"
                + " class path: build it (mvn -B package -DskipTests; the launcher then adds spark/target), or submit the spark module's"
                + " cluster jar with spark-submit."));
        try (TorchScriptAutoencoder map = ModelOptions.open(cl, err);
             OutputDirectory dir = OutputDirectory.stage(Path.of(cl.getOptionValue("out")), "attractors")) {
            int k = map.latentDim();
            List<Path> files = new ArrayList<>();
            files.add(Path.of(cl.getOptionValue("model")));
            if (cl.hasOption("decoder")) {
                files.add(Path.of(cl.getOptionValue("decoder")));
            }
            long n = plan.n();
            if (plan.starts().kind == AttractorsCommand.StartSpec.Kind.FILE) {
                try (NpyRows rows = NpyRows.open(plan.starts().file, k, "starting points")) {
                    n = StartPoints.count(rows, plan.samples(), plan.starts().file);
                }
                files.add(plan.starts().file);
            }
            String table = cl.getOptionValue("table", dir.file(TABLE).toAbsolutePath().toUri().toString());
            boolean endpoints = plan.keep() == org.latentfield.mining.StreamingMiner.Keep.ALL;
            ClusterMiner.Result result;
            try (ProgressReporter progress = new ProgressReporter("attractors", "points", n, err)) {
                result = miner.mine(new ClusterMiner.Request(args, files, n, k, master, partitions, table, endpoints, plan.rule(), progress, err));
            }
            RunTally tally = result.state().tally();
            AttractorSet.Catalog catalog = result.state().set().catalog();
            boolean identity = plan.rule() instanceof AttractorRule.Identity;
            Map<String, Object> polish = identity
                    ? AttractorsCommand.polishFacts(result.state().set().polish(), (AttractorRule.Identity) plan.rule(), result.state().cosineCount())
                    : null;
            Map<String, Object> settings = AttractorsCommand.settings(plan, tally.samples(), tally, catalog.attractors().merge(), polish);
            settings.put("spark", master);
            settings.put("partitions", result.basins().length);
            settings.put("table", cl.hasOption("table") ? table : TABLE);
            settings.put("failed_task_attempts", result.failedAttempts());
            settings.put("executor_jvms", result.jvms());
            settings.put("keep", plan.keep().name().toLowerCase(java.util.Locale.ROOT));
            settings.put("device", cl.getOptionValue("device", "auto"));
            settings.put("engine", result.engine());
            settings.put("engine_check", result.check());
            settings.put("torch_threads", 1);
            Map<String, Object> model = ModelReport.facts(map);
            ObjectNode summary = AttractorsCommand.summary(model, settings, tally, catalog.attractors(), result.state().cosineCount(), identity);
            try {
                RunFiles.writeFixedPoints(dir, catalog, identity, "float64".equals(tally.iterationDtype()), k);
                dir.writeSummary(summary);
            } catch (IOException e) {
                throw dir.couldNotReceive(e);
            }
            List<String> stale = new ArrayList<>(AttractorReport.FILES);
            stale.add(TABLE);
            dir.commit(stale);
            if (cl.hasOption("json")) {
                Json.print(out, summary);
            } else {
                AttractorsCommand.printTable(out, dir.target(), tally, catalog.attractors());
                out.printf("per-start table (%d rows) in %s%n", result.rows(), cl.hasOption("table") ? table : dir.target().resolve(TABLE));
            }
            return Main.OK;
        }
    }
}
