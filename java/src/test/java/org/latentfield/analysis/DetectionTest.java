package org.latentfield.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** AUROC, FPR95 and AUPR on score sets with known answers. */
class DetectionTest {
    @Test
    void perfectlySeparatedScores() {
        Detection.Metrics m = Detection.evaluate(new double[] {0.1, 0.2, 0.3}, new double[] {0.7, 0.8});
        assertEquals(1.0, m.auroc(), 0);
        assertEquals(0.0, m.fpr95(), 0);
        assertEquals(1.0, m.aupr(), 1e-12);
    }

    @Test
    void identicalScoresAreChance() {
        double[] s = {1, 2, 3, 4};
        assertEquals(0.5, Detection.auroc(s, s), 1e-12);
        assertEquals(0.5, Detection.auroc(new double[] {5, 5}, new double[] {5, 5, 5}), 1e-12, "all ties");
        assertEquals(1.0, Detection.fpr95(s, s), 0, "the 95% ID threshold is 4: every OOD score is kept");
    }

    @Test
    void handComputedExample() {
        // ID 1..20; OOD {0.5, 10.5, 19.5, 30}: 95% of 20 = 19 kept, t = 19 -> OOD kept: 0.5, 10.5 -> FPR95 = 0.5
        double[] id = new double[20];
        for (int i = 0; i < 20; i++) {
            id[i] = i + 1;
        }
        double[] ood = {0.5, 10.5, 19.5, 30};
        assertEquals(0.5, Detection.fpr95(id, ood), 0);
        // pairs with OOD above ID: 0 + 10 + 19 + 20 = 49 of 80
        assertEquals(49.0 / 80, Detection.auroc(id, ood), 1e-12);
        // ranking ascending: 0.5(o) 1..10(i) 10.5(o) 11..19(i) 19.5(o) 20(i) 30(o)
        double ap = 0;
        for (int r = 1; r <= 10; r++) {
            ap += r / (r + 1.0);
        }
        for (int r = 11; r <= 19; r++) {
            ap += r / (r + 2.0);
        }
        ap += 20 / 23.0;
        assertEquals(ap / 20, Detection.aupr(id, ood), 1e-12);
    }
}
