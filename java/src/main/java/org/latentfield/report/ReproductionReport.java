package org.latentfield.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of a reproduction: report.json (every step's command, status, time and full
 * summary, plus the judged findings) and report.md (the findings with their numbers, a headline
 * per step and every figure, embedded by relative path).
 */
public final class ReproductionReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How one step went.
     *
     * @param step    the step
     * @param argv    the command line it ran
     * @param code    its exit code (0 = success)
     * @param seconds wall time
     * @param error   the step's one-sentence error, or null
     * @param summary its summary.json, or null when it failed
     */
    public record Outcome(ReproductionPlan.Step step, List<String> argv, int code, double seconds, String error, JsonNode summary) {
        public boolean ok() {
            return code == 0 && summary != null;
        }

        String commandLine() {
            return "latentfield " + String.join(" ", argv);
        }
    }

    private final ReproductionPlan plan;
    private final ReproductionPlan.Settings settings;
    private final List<Outcome> outcomes;
    private final List<Findings.Finding> findings;
    private final Map<String, String> skipped;

    /**
     * @param skipped data sets left out of the run, with the reason (e.g. MNIST not installed)
     */
    public ReproductionReport(ReproductionPlan plan, ReproductionPlan.Settings settings, List<Outcome> outcomes, Map<String, String> skipped) {
        this.plan = plan;
        this.settings = settings;
        this.outcomes = outcomes;
        this.skipped = skipped;
        Map<String, JsonNode> summaries = new LinkedHashMap<>();
        for (Outcome o : outcomes) {
            if (o.ok()) {
                summaries.put(o.step().name(), o.summary());
            }
        }
        this.findings = Findings.judge(plan, summaries);
    }

    public List<Findings.Finding> findings() {
        return findings;
    }

    /** report.json. */
    public ObjectNode json(String version) {
        ObjectNode r = JSON.createObjectNode();
        r.put("latentfield_version", version);
        r.put("models", settings.modelsDir().toString());
        r.put("family", settings.family());
        ArrayNode ks = r.putArray("latent_dims");
        plan.models().forEach(m -> ks.add(m.k()));
        r.put("train", settings.train());
        r.put("test", settings.test());
        ArrayNode ood = r.putArray("ood_sets");
        settings.oodSets().forEach(ood::add);
        ObjectNode sk = r.putObject("skipped_sets");
        skipped.forEach(sk::put);
        r.put("samples", settings.samples());
        r.put("seed", settings.seed());
        r.put("seconds", outcomes.stream().mapToDouble(Outcome::seconds).sum());
        ArrayNode f = r.putArray("findings");
        for (Findings.Finding x : findings) {
            ObjectNode o = f.addObject().put("id", x.id()).put("claim", x.claim()).put("verdict", x.verdict());
            x.detail().forEach(o.putArray("detail")::add);
        }
        ArrayNode steps = r.putArray("steps");
        for (Outcome o : outcomes) {
            ObjectNode s = steps.addObject();
            s.put("name", o.step().name()).put("title", o.step().title()).put("command", o.commandLine()).put("exit_code", o.code())
                    .put("seconds", o.seconds());
            if (o.error() != null) {
                s.put("error", o.error());
            }
            if (o.summary() != null) {
                s.set("summary", o.summary());
            }
        }
        return r;
    }

    /** report.md, with figures linked relative to the report's directory {@code out}. */
    public String markdown(Path out, String version) {
        StringBuilder md = new StringBuilder();
        md.append("# latentfield reproduction\n\n");
        md.append(String.format(Locale.ROOT, "latentfield %s on `%s` (family `%s`, k = %s), in distribution `%s` / `%s`, OOD %s; %d samples per set,"
                        + " seed %d; %.0f s in all.%n%n", version, settings.modelsDir(), settings.family(),
                String.join(", ", plan.models().stream().map(m -> Integer.toString(m.k())).toList()), settings.train(), settings.test(),
                String.join(", ", settings.oodSets().stream().map(s -> "`" + s + "`").toList()), settings.samples(), settings.seed(),
                outcomes.stream().mapToDouble(Outcome::seconds).sum()));
        skipped.forEach((set, why) -> md.append("Left out: `").append(set).append("`: ").append(why).append("\n\n"));
        md.append("## The paper's findings\n\n| # | finding | verdict |\n|---|---|---|\n");
        for (Findings.Finding f : findings) {
            md.append("| ").append(f.id()).append(" | ").append(f.claim()).append(" | **").append(f.verdict()).append("** |\n");
        }
        md.append('\n');
        for (Findings.Finding f : findings) {
            md.append("(").append(f.id()).append(") ").append(f.claim()).append(": **").append(f.verdict()).append("**\n");
            f.detail().forEach(d -> md.append("- ").append(d).append('\n'));
            md.append('\n');
        }
        md.append("## Steps\n\n| step | exit | seconds |\n|---|---|---|\n");
        for (Outcome o : outcomes) {
            md.append(String.format(Locale.ROOT, "| [%s](#%s) | %d | %.1f |%n", o.step().name(), o.step().name(), o.code(), o.seconds()));
        }
        md.append('\n');
        for (Outcome o : outcomes) {
            md.append("### ").append(o.step().name()).append("\n\n").append(o.step().title()).append("\n\n```\n").append(o.commandLine())
                    .append("\n```\n\n");
            if (!o.ok()) {
                md.append("Failed: ").append(o.error()).append("\n\n");
                continue;
            }
            String headline = headline(o.step().command(), o.summary());
            if (!headline.isEmpty()) {
                md.append(headline).append("\n\n");
            }
            for (String fig : o.step().figures()) {
                if (Files.isRegularFile(out.resolve(o.step().name()).resolve(fig))) {
                    md.append("![").append(o.step().name()).append(' ').append(fig).append("](").append(o.step().name()).append('/').append(fig)
                            .append(")\n\n");
                }
            }
        }
        return md.toString();
    }

    /** A line of key numbers for the steps whose numbers are not already in the findings. */
    static String headline(String command, JsonNode s) {
        return switch (command) {
            case "field" -> String.format(Locale.ROOT, "%s plane, %d attractors on the grid (%d of %d grid points converge), |V| mean %.3f, max %.3f.",
                    s.get("plane").asText(), s.get("attractors").size(), s.get("grid_points_converged").asLong(), s.get("grid").asLong() * s.get("grid").asLong(),
                    s.get("magnitude_mean").asDouble(), s.get("magnitude_max").asDouble());
            case "attractors" -> String.format(Locale.ROOT, "%d attractors from %d starts: %d converged, %d hit the cap, %d diverged; median %.0f iterations.",
                    s.get("attractor_count").asInt(), s.get("samples").asInt(), s.get("converged").asLong(), s.get("not_converged").asLong(),
                    s.get("diverged").asLong(), s.get("iterations").get("median").asDouble());
            case "jacobian" -> jacobian(s);
            case "ood" -> ood(s);
            default -> "";
        };
    }

    private static String jacobian(JsonNode s) {
        String line = String.format(Locale.ROOT, "%d of %d attractors stable (rho < 1), %d contractive (||J||_2 < 1)", s.get("stable").asInt(),
                s.get("count").asInt(), s.get("contractive").asInt());
        if (s.path("undefined").asInt() > 0) { // f(z) or J not finite there: neither stable nor not stable
            line += String.format(Locale.ROOT, ", %d undefined (f(z) or J not finite)", s.get("undefined").asInt());
        }
        JsonNode normMedian = s.path("spectral_norm").path("median"), radiusMedian = s.path("spectral_radius").path("median");
        line += normMedian.isNumber() && radiusMedian.isNumber()
                ? String.format(Locale.ROOT, "; ||J||_2 median %.3f, rho median %.3f.", normMedian.asDouble(), radiusMedian.asDouble())
                : "; no finite spectra.";
        JsonNode c = s.get("iteration_complexity");
        if (c != null) {
            line += String.format(Locale.ROOT, " Iteration complexity over %d converged starts: the ||J||_2 bound is defined for %d (correlation %.2f),"
                            + " the rho estimate for %d (correlation %.2f); of all starts %.1f%% converge, %.1f%% hit the cap, %.1f%% diverge.",
                    c.get("converged_starts").asInt(), c.get("bound_defined_norm").asInt(), c.get("correlation_norm").asDouble(),
                    c.get("bound_defined_radius").asInt(), c.get("correlation_radius").asDouble(), 100 * c.get("share_converged").asDouble(),
                    100 * c.get("share_not_converged").asDouble(), 100 * c.get("share_diverged").asDouble());
        }
        return line;
    }

    private static String ood(JsonNode s) {
        JsonNode results = s.get("results");
        StringBuilder t = new StringBuilder("AUROC (ID = " + s.get("id").asText() + " positive):\n\n| method |");
        List<String> sets = new java.util.ArrayList<>();
        results.get("trajectory").fieldNames().forEachRemaining(sets::add);
        sets.forEach(x -> t.append(' ').append(x).append(" |"));
        t.append("\n|---|").append("---|".repeat(sets.size())).append('\n');
        results.fieldNames().forEachRemaining(method -> {
            t.append("| ").append(method).append(" |");
            sets.forEach(x -> t.append(String.format(Locale.ROOT, " %.3f |", results.get(method).get(x).get("auroc").asDouble())));
            t.append('\n');
        });
        return t.toString().stripTrailing();
    }
}
