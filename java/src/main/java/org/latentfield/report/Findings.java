package org.latentfield.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.StreamSupport;

/**
 * The paper's four headline findings (PAPER.md sections 3-5), each judged from the summaries of
 * a reproduction's steps. A verdict is decided by the numbers alone:
 * <ol>
 * <li>memorization falls as k grows: the memorization coefficient strictly decreases along the
 * sweep sorted by k;</li>
 * <li>the attractor count grows over training: more distinct attractors from training starts
 * at the last checkpoint than at the first;</li>
 * <li>noise attractors beat the random orthonormal basis at every sparsity: lower pixel MSE at
 * every probed number of atoms, where equal errors (within 0.1%, as at s = k where both
 * span the latent space) count as ties, not losses (PCA of training latents is reported beside it);</li>
 * <li>the trajectory score against KNN on Fashion-MNIST vs MNIST: the trajectory AUROC above the
 * best KNN AUROC of the sweep over K (Mahalanobis and reconstruction MSE reported beside it).</li>
 * </ol>
 * Findings judged on several models are "reproduced" when they hold on all, "partly reproduced"
 * on some, "not reproduced" on none; "not measured" when the step is missing or failed.
 */
public final class Findings {
    private Findings() {}

    public static final String REPRODUCED = "reproduced", PARTLY = "partly reproduced", NOT = "not reproduced", UNMEASURED = "not measured";

    /**
     * One finding.
     *
     * @param id      1..4, PAPER.md's numbering in the issue
     * @param claim   what the paper says
     * @param verdict one of the four verdict strings
     * @param detail  the numbers behind the verdict, one line per model
     */
    public record Finding(int id, String claim, String verdict, List<String> detail) {}

    /** Judges the four findings from the summaries of the steps that succeeded, by step name. */
    public static List<Finding> judge(ReproductionPlan plan, Map<String, JsonNode> summaries) {
        return List.of(memorization(summaries.get("memorization")), dynamics(summaries.get("dynamics")), probing(plan, summaries),
                ood(plan, summaries));
    }

    static Finding memorization(JsonNode s) {
        String claim = "memorization falls as the bottleneck k grows";
        if (s == null || s.get("models").size() < 2) {
            return new Finding(1, claim, UNMEASURED, List.of("needs the memorization step over at least two models"));
        }
        List<JsonNode> rows = new ArrayList<>();
        s.get("models").forEach(rows::add);
        rows.sort((a, b) -> Integer.compare(a.get("latent_dim").asInt(), b.get("latent_dim").asInt()));
        boolean falls = true;
        List<String> detail = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            JsonNode r = rows.get(i);
            detail.add(String.format(Locale.ROOT, "k = %d: memorization coefficient %.3f +- %.3f, generalization entropy %d, %d attractors from %d"
                            + " train starts, test MSE %.4f", r.get("latent_dim").asInt(), r.get("memorization_mean").asDouble(),
                    r.get("memorization_std").asDouble(), r.get("generalization_entropy").asInt(), r.get("attractors_from_train").asInt(),
                    s.get("samples").asInt(), r.get("test_mse").asDouble()));
            if (i > 0 && !(r.get("memorization_mean").asDouble() < rows.get(i - 1).get("memorization_mean").asDouble())) {
                falls = false;
            }
        }
        return new Finding(1, claim, falls ? REPRODUCED : NOT, detail);
    }

    static Finding dynamics(JsonNode s) {
        String claim = "the number of distinct attractors grows over training";
        if (s == null || s.get("series").size() < 2) {
            return new Finding(2, claim, UNMEASURED, List.of("needs the dynamics step over at least two checkpoints"));
        }
        JsonNode series = s.get("series");
        JsonNode first = series.get(0), last = series.get(series.size() - 1);
        boolean monotone = true;
        for (int i = 1; i < series.size(); i++) {
            monotone &= series.get(i).get("attractors_train").asInt() >= series.get(i - 1).get("attractors_train").asInt();
        }
        List<String> detail = new ArrayList<>();
        detail.add("attractors from " + s.get("samples").asInt() + " train / test / N(0, I) starts per checkpoint: "
                + String.join(", ", StreamSupport.stream(series.spliterator(), false).map(r -> r.get("checkpoint").asText().replaceFirst("\\.pt$", "")
                + " " + r.get("attractors_train").asInt() + "/" + r.get("attractors_test").asInt() + "/" + r.get("attractors_noise").asInt()).toList()));
        detail.add(String.format(Locale.ROOT, "first -> last checkpoint: Chamfer similarity (train, noise attractors) %.3f -> %.3f; FPR95 noise vs"
                        + " train trajectories %.3f -> %.3f; memorization %.3f -> %.3f; the train attractor count is %s over the series", first.get("chamfer_train_noise").asDouble(), last.get("chamfer_train_noise").asDouble(),
                first.get("fpr95_noise_vs_train_trajectories").asDouble(), last.get("fpr95_noise_vs_train_trajectories").asDouble(),
                first.get("memorization").asDouble(), last.get("memorization").asDouble(), monotone ? "monotone" : "not monotone"));
        boolean grows = last.get("attractors_train").asInt() > first.get("attractors_train").asInt();
        return new Finding(2, claim, grows ? REPRODUCED : NOT, detail);
    }

    /**
     * Relative MSE difference under which two bases tie: at s = k any spanning dictionary
     * reconstructs the code exactly, so equal errors there are forced, not a loss (float OMP
     * leaves them 1e-4 apart at most on the shipped models).
     */
    static final double TIE = 1e-3;

    static Finding probing(ReproductionPlan plan, Map<String, JsonNode> summaries) {
        String claim = "noise attractors, as an OMP dictionary, beat the random orthonormal basis at every sparsity";
        List<String> detail = new ArrayList<>();
        int measured = 0, held = 0;
        for (ReproductionPlan.Model m : plan.models()) {
            JsonNode s = summaries.get("probe-" + m.stem());
            if (s == null) {
                continue;
            }
            measured++;
            int wins = 0, ties = 0, levels = 0, pcaBest = 0;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s (%d atoms from %d noise starts), pixel MSE noise / random / PCA:",
                    m.stem(), s.get("dictionary_atoms").asInt(), s.get("noise_starts").asInt()));
            for (JsonNode l : s.get("levels")) {
                double a = l.get("noise_attractors").asDouble(), b = l.get("random_orthonormal_basis").asDouble(), p = l.get("pca_of_training_latents").asDouble();
                levels++;
                boolean tie = Math.abs(a - b) <= TIE * b;
                wins += a < b && !tie ? 1 : 0;
                ties += tie ? 1 : 0;
                pcaBest += p <= Math.min(Double.isNaN(a) ? Double.POSITIVE_INFINITY : a, b) ? 1 : 0;
                line.append(String.format(Locale.ROOT, " s=%d %.4f/%.4f/%.4f;", l.get("atoms").asInt(), a, b, p));
            }
            line.append(String.format(Locale.ROOT, " noise beats random at %d of %d levels (ties %d), PCA lowest at %d", wins, levels, ties, pcaBest));
            detail.add(line.toString());
            held += wins > 0 && wins + ties == levels ? 1 : 0;
        }
        return new Finding(3, claim, verdict(measured, held), detail.isEmpty() ? List.of("needs a probe step") : detail);
    }

    static Finding ood(ReproductionPlan plan, Map<String, JsonNode> summaries) {
        String claim = "the trajectory score detects OOD (Fashion-MNIST vs MNIST) better than KNN";
        List<String> detail = new ArrayList<>();
        int measured = 0, held = 0;
        for (ReproductionPlan.Model m : plan.models()) {
            for (String from : List.of("train", "noise")) {
                JsonNode s = summaries.get("ood-" + m.stem() + "-" + from);
                if (s == null) {
                    continue;
                }
                String mnist = null;
                for (Iterator<String> it = s.get("results").get("trajectory").fieldNames(); it.hasNext(); ) {
                    String set = it.next();
                    if (set.startsWith("mnist")) {
                        mnist = set;
                    }
                }
                if (mnist == null) {
                    continue;
                }
                JsonNode results = s.get("results");
                double trajectory = auroc(results, "trajectory", mnist), bestKnn = Double.NEGATIVE_INFINITY;
                String bestK = "";
                for (Iterator<String> it = results.fieldNames(); it.hasNext(); ) {
                    String method = it.next();
                    if (method.startsWith("knn_k") && auroc(results, method, mnist) > bestKnn) {
                        bestKnn = auroc(results, method, mnist);
                        bestK = method.substring("knn_k".length());
                    }
                }
                detail.add(String.format(Locale.ROOT, "%s, attractors from %s (%d): AUROC trajectory %.3f, best KNN (K = %s) %.3f, Mahalanobis %.3f,"
                                + " reconstruction MSE %.3f; FPR95 trajectory %.3f", m.stem(), from, s.get("reference_attractors").asInt(), trajectory,
                        bestK, bestKnn, auroc(results, "mahalanobis", mnist), auroc(results, "reconstruction_mse", mnist),
                        results.get("trajectory").get(mnist).get("fpr95").asDouble()));
                if (from.equals("train")) {
                    measured++;
                    held += trajectory > bestKnn ? 1 : 0;
                }
            }
        }
        return new Finding(4, claim, verdict(measured, held), detail.isEmpty() ? List.of("needs an OOD step with an MNIST set") : detail);
    }

    private static double auroc(JsonNode results, String method, String set) {
        JsonNode m = results.get(method);
        return m == null || m.get(set) == null ? Double.NaN : m.get(set).get("auroc").asDouble();
    }

    private static String verdict(int measured, int held) {
        return measured == 0 ? UNMEASURED : held == measured ? REPRODUCED : held > 0 ? PARTLY : NOT;
    }
}
