package org.latentfield.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Datasets;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.report.Findings;
import org.latentfield.report.Json;
import org.latentfield.report.OutputDirectory;
import org.latentfield.report.ReproductionPlan;
import org.latentfield.report.ReproductionReport;

/**
 * {@code latentfield reproduce}: every analysis of the paper on the shipped models, each as an
 * ordinary latentfield command writing into its own sub-directory, then report.json and
 * report.md with the four findings judged from the numbers. A failed step is reported and the
 * run goes on; the exit code is 1 when any step failed. An interrupted step stops the whole run
 * (no report); the steps that finished stay in --out for --resume.
 */
final class ReproduceCommand implements Main.Command {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String DEFAULT_OOD = "mnist:all,gaussian-noise:all,uniform-noise:all";

    @Override
    public String leftWhenInterrupted(String out) {
        return "the steps that finished are in " + out + " (--resume reuses them), no report was written";
    }

    @Override
    public String summary() {
        return "run every analysis of the paper on the shipped models and write report.json, report.md and the figures";
    }

    @Override
    public String synopsis() {
        return "latentfield reproduce --out DIR [--models DIR] [--family NAME] [--samples N] [options]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("models").hasArg().argName("DIR")
                .desc("the models: FAMILY-kK.pt (the bottleneck sweep), FAMILY-kK-series/ (checkpoints), any *-k2.pt (default models)").build());
        o.addOption(Option.builder().longOpt("family").hasArg().argName("NAME").desc("name prefix of the sweep (default fmnist-conv)").build());
        o.addOption(Option.builder().longOpt("train").hasArg().argName("DATA").desc("training data (default fashion-mnist:train)").build());
        o.addOption(Option.builder().longOpt("test").hasArg().argName("DATA").desc("in-distribution test data (default fashion-mnist:test)").build());
        o.addOption(Option.builder().longOpt("ood").hasArg().argName("DATA,...")
                .desc("OOD sets; those that cannot be loaded are left out and named in the report (default " + DEFAULT_OOD + ")").build());
        o.addOption(Option.builder().longOpt("samples").hasArg().argName("N").desc("starts / samples per set in every step (default 1000)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed of every subset and noise draw (default 0)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                .desc("output directory: report.json, report.md, one sub-directory per step, logs/STEP.txt (its console)"
                + " and logs/STEP.status.json (command, exit code, seconds)").build());
        o.addOption(Option.builder().longOpt("resume").desc("reuse every step that an earlier run into --out finished with the same"
                + " command line (logs/STEP.status.json and STEP/summary.json), e.g. after an interruption or to re-judge the findings").build());
        o.addOption(Option.builder().longOpt("json").desc("print report.json to stdout").build());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = Args.parse(options(), args);
        Path target = Path.of(cl.getOptionValue("out"));
        Datasets registry = Datasets.defaults();
        String train = cl.getOptionValue("train", "fashion-mnist:train"), test = cl.getOptionValue("test", "fashion-mnist:test");
        registry.load(train);
        registry.load(test);
        List<String> ood = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        for (String set : cl.getOptionValue("ood", DEFAULT_OOD).split(",")) {
            if (set.isBlank()) {
                continue;
            }
            try {
                registry.load(set.strip());
                ood.add(set.strip());
            } catch (LatentfieldException e) {
                skipped.put(set.strip(), e.getMessage());
                err.println(DeferredNotes.PREFIX + "reproduce is leaving out " + set.strip() + ": " + e.getMessage());
            }
        }
        ReproductionPlan.Settings settings = new ReproductionPlan.Settings(Path.of(cl.getOptionValue("models", "models")),
                cl.getOptionValue("family", "fmnist-conv"), train, test, ood, Args.samples(cl, 1000), Args.longValue(cl, "seed", 0));
        ReproductionPlan plan = ReproductionPlan.of(settings);
        try (OutputDirectory dir = OutputDirectory.stage(target, "reproduce")) {
            Path abs = dir.target();
            Path logs = abs.resolve("logs");
            try {
                Files.createDirectories(logs);
            } catch (IOException e) {
                throw new LatentfieldException("cannot create " + logs + ": " + e.getMessage() + ".", e);
            }
            List<ReproductionReport.Outcome> outcomes = new ArrayList<>();
            List<ReproductionPlan.Step> steps = plan.steps();
            for (int i = 0; i < steps.size(); i++) {
                ReproductionPlan.Step step = steps.get(i);
                List<String> argv = step.argv(target);
                err.printf(Locale.ROOT, "reproduce [%d/%d] %s: latentfield %s%n", i + 1, steps.size(), step.name(), String.join(" ", argv));
                ReproductionReport.Outcome earlier = cl.hasOption("resume") ? earlier(step, argv, target, abs, logs) : null;
                if (earlier != null) {
                    err.printf(Locale.ROOT, "reproduce   %s reused from the earlier run (%.1f s then)%n", step.name(), earlier.seconds());
                }
                Cancellation.check();
                outcomes.add(earlier != null ? earlier : runStep(step, argv, target, abs, logs, err));
                Cancellation.check(); // an interrupted step returned its exit code: stop here
            }
            ReproductionReport report = new ReproductionReport(plan, settings, outcomes, skipped);
            String version = NativeKernels.version();
            com.fasterxml.jackson.databind.node.ObjectNode json = report.json(version);
            try {
                Json.write(dir.file("report.json"), json);
                Files.writeString(dir.file("report.md"), report.markdown(abs, version));
            } catch (IOException e) {
                throw new LatentfieldException("cannot write the report into " + abs + ": " + e.getMessage() + ".", e);
            }
            dir.commit(List.of("report.json", "report.md"));
            if (cl.hasOption("json")) {
                Json.print(out, json);
            } else {
                for (Findings.Finding f : report.findings()) {
                    out.printf("(%d) %-92s %s%n", f.id(), f.claim(), f.verdict());
                }
                out.println("wrote " + abs.resolve("report.md"));
            }
            List<String> failed = outcomes.stream().filter(o -> !o.ok()).map(o -> o.step().name()).toList();
            if (!failed.isEmpty()) {
                throw new LatentfieldException(failed.size() + " of " + steps.size() + " steps failed (" + String.join(", ", failed)
                        + "); the report marks them and logs/ has their output.");
            }
            return Main.OK;
        }
    }

    /**
     * The outcome of an earlier run of the same command line (up to where --out was) that
     * succeeded, from logs/STEP.status.json; null when there is none.
     */
    private static ReproductionReport.Outcome earlier(ReproductionPlan.Step step, List<String> argv, Path shown, Path out, Path logs) {
        try {
            Path status = logs.resolve(step.name() + ".status.json"), summary = out.resolve(step.name()).resolve("summary.json");
            if (!Files.isRegularFile(summary) || !Files.isRegularFile(status)) {
                return null;
            }
            JsonNode s = Json.read(status);
            if (s.path("exit_code").asInt(-1) != 0 || !JSON.valueToTree(ReproductionPlan.portable(argv, shown)).equals(s.path("argv"))) {
                return null;
            }
            return new ReproductionReport.Outcome(step, argv, 0, s.path("seconds").asDouble(), null, Json.read(summary));
        } catch (IOException e) {
            return null;
        }
    }

    /** Runs one step in this JVM, its console output captured into logs/NAME.txt. */
    private static ReproductionReport.Outcome runStep(ReproductionPlan.Step step, List<String> argv, Path shown, Path out, Path logs,
                                                      PrintStream err) {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream(), stderr = new ByteArrayOutputStream();
        long start = System.nanoTime();
        int code;
        try (PrintStream o = new PrintStream(stdout, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(stderr, true, StandardCharsets.UTF_8)) {
            code = Main.execute(argv.toArray(String[]::new), o, e); // not run(): it would clear a cancellation
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String console = stdout.toString(StandardCharsets.UTF_8), problems = stderr.toString(StandardCharsets.UTF_8);
        try {
            Files.writeString(logs.resolve(step.name() + ".txt"), "$ latentfield " + String.join(" ", argv) + "\n" + console + problems);
        } catch (IOException e) {
            err.println("reproduce: cannot write the log of " + step.name() + ": " + e.getMessage());
        }
        String error = null;
        JsonNode summary = null;
        if (code == 0) {
            try {
                summary = Json.read(out.resolve(step.name()).resolve("summary.json"));
            } catch (IOException e) {
                error = "its summary.json cannot be read: " + e.getMessage();
            }
        } else {
            error = problems.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("exit code " + code);
        }
        err.printf(Locale.ROOT, "reproduce   %s %s %.1f s%s%n", step.name(), error == null ? "done in" : "FAILED after", seconds,
                error == null ? "" : ": " + error);
        try {
            JSON.writeValue(logs.resolve(step.name() + ".status.json").toFile(),
                    JSON.createObjectNode().<com.fasterxml.jackson.databind.node.ObjectNode>set("argv",
                            JSON.valueToTree(ReproductionPlan.portable(argv, shown))).put("exit_code", code)
                            .put("seconds", seconds));
        } catch (IOException e) {
            err.println("reproduce: cannot write the status of " + step.name() + ": " + e.getMessage());
        }
        return new ReproductionReport.Outcome(step, argv, code, seconds, error, summary);
    }
}
