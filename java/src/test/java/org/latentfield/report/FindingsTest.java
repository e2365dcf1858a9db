package org.latentfield.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdicts on hand-made summaries whose answer is known. */
class FindingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ReproductionPlan PLAN = new ReproductionPlan(List.of(new ReproductionPlan.Model(Path.of("m-k16.pt"), 16),
            new ReproductionPlan.Model(Path.of("m-k128.pt"), 128)), List.of(), null, List.of());

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static String model(int k, double mem) {
        return "{'latent_dim': " + k + ", 'memorization_mean': " + mem + ", 'memorization_std': 0.1, 'generalization_entropy': 3,"
                + " 'attractors_from_train': 5, 'test_mse': 0.01}";
    }

    @Test
    void memorizationMustFallStrictlyAlongTheSweepSortedByK() throws Exception {
        // listed out of order: sorted by k the coefficient falls 0.9 > 0.8 > 0.7
        JsonNode falls = json("{'samples': 10, 'models': [" + model(16, 0.8) + "," + model(2, 0.9) + "," + model(128, 0.7) + "]}");
        assertEquals(Findings.REPRODUCED, Findings.memorization(falls).verdict());
        JsonNode rises = json("{'samples': 10, 'models': [" + model(2, 0.9) + "," + model(16, 0.8) + "," + model(128, 0.85) + "]}");
        assertEquals(Findings.NOT, Findings.memorization(rises).verdict());
        assertEquals(Findings.UNMEASURED, Findings.memorization(null).verdict());
        assertEquals(Findings.UNMEASURED, Findings.memorization(json("{'samples': 10, 'models': [" + model(2, 0.9) + "]}")).verdict());
    }

    private static String checkpoint(String name, int train) {
        return "{'checkpoint': '" + name + "', 'attractors_train': " + train + ", 'attractors_test': 1, 'attractors_noise': 1,"
                + " 'chamfer_train_noise': 0.5, 'fpr95_noise_vs_train_trajectories': 0.2, 'memorization': 0.9}";
    }

    @Test
    void attractorCountMustBeHigherAtTheLastCheckpoint() throws Exception {
        JsonNode grows = json("{'samples': 10, 'series': [" + checkpoint("a.pt", 2) + "," + checkpoint("b.pt", 1) + "," + checkpoint("c.pt", 4) + "]}");
        Findings.Finding f = Findings.dynamics(grows);
        assertEquals(Findings.REPRODUCED, f.verdict());
        assertTrue(f.detail().get(1).contains("not monotone"), f.detail().toString());
        JsonNode flat = json("{'samples': 10, 'series': [" + checkpoint("a.pt", 3) + "," + checkpoint("b.pt", 3) + "]}");
        assertEquals(Findings.NOT, Findings.dynamics(flat).verdict());
    }

    private static String probe(double... noiseThenRandom) {
        StringBuilder s = new StringBuilder("{'dictionary_atoms': 8, 'noise_starts': 8, 'levels': [");
        for (int i = 0; i < noiseThenRandom.length; i += 2) {
            s.append(i > 0 ? "," : "").append("{'atoms': ").append(1 << (i / 2)).append(", 'noise_attractors': ").append(noiseThenRandom[i])
                    .append(", 'random_orthonormal_basis': ").append(noiseThenRandom[i + 1]).append(", 'pca_of_training_latents': 0.001}");
        }
        return s + "]}";
    }

    @Test
    void noiseAttractorsMustWinAtEveryLevelOnEveryModel() throws Exception {
        JsonNode wins = json(probe(0.1, 0.2, 0.05, 0.1)), loses = json(probe(0.1, 0.2, 0.1, 0.05));
        assertEquals(Findings.REPRODUCED, Findings.probing(PLAN, Map.of("probe-m-k16", wins, "probe-m-k128", wins)).verdict());
        Findings.Finding partly = Findings.probing(PLAN, Map.of("probe-m-k16", wins, "probe-m-k128", loses));
        assertEquals(Findings.PARTLY, partly.verdict());
        assertTrue(partly.detail().get(1).contains("noise beats random at 1 of 2 levels (ties 0), PCA lowest at 2"), partly.detail().toString());
        assertEquals(Findings.NOT, Findings.probing(PLAN, Map.of("probe-m-k16", loses)).verdict());
        // a tie at full rank is not a loss, but ties alone are no win
        assertEquals(Findings.REPRODUCED, Findings.probing(PLAN, Map.of("probe-m-k16", json(probe(0.1, 0.2, 0.05, 0.05)))).verdict());
        assertEquals(Findings.NOT, Findings.probing(PLAN, Map.of("probe-m-k16", json(probe(0.05, 0.05)))).verdict());
        assertEquals(Findings.UNMEASURED, Findings.probing(PLAN, Map.of()).verdict());
    }

    private static String ood(double trajectory, double knn) {
        String set = "'mnist:all': {'auroc': %s, 'fpr95': 0.5, 'aupr': 0.5}, 'uniform-noise:all': {'auroc': 1.0, 'fpr95': 0.0, 'aupr': 1.0}";
        return "{'reference_attractors': 3, 'results': {'trajectory': {" + String.format(set, trajectory) + "}, 'knn_k1': {"
                + String.format(set, knn) + "}, 'knn_k10': {" + String.format(set, knn - 0.1) + "}, 'mahalanobis': {" + String.format(set, 0.5)
                + "}, 'reconstruction_mse': {" + String.format(set, 0.5) + "}}}";
    }

    @Test
    void trajectoryMustBeatTheBestKnnOnMnistWithTrainingAttractors() throws Exception {
        Findings.Finding f = Findings.ood(PLAN, Map.of("ood-m-k16-train", json(ood(0.9, 0.8)), "ood-m-k16-noise", json(ood(0.1, 0.8))));
        assertEquals(Findings.REPRODUCED, f.verdict(), "the noise-attractor variant is reported, not judged");
        assertTrue(f.detail().get(0).contains("best KNN (K = 1) 0.800"), f.detail().toString());
        assertEquals(Findings.NOT, Findings.ood(PLAN, Map.of("ood-m-k16-train", json(ood(0.7, 0.8)))).verdict());
        String noMnist = "{'reference_attractors': 3, 'results': {'trajectory': {'uniform-noise:all': {'auroc': 1.0, 'fpr95': 0.0, 'aupr': 1.0}}}}";
        assertEquals(Findings.UNMEASURED, Findings.ood(PLAN, Map.of("ood-m-k16-train", json(noMnist))).verdict());
    }
}
