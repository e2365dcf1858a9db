package org.latentfield.analysis;

import java.util.Arrays;

/**
 * Out-of-distribution detection metrics (PAPER.md section 5) for scores where higher means
 * more out of distribution, with in-distribution (ID) samples as the positive class.
 */
public final class Detection {
    private Detection() {}

    /** The three numbers the paper reports, in [0, 1]. */
    public record Metrics(double auroc, double fpr95, double aupr) {}

    public static Metrics evaluate(double[] id, double[] ood) {
        return new Metrics(auroc(id, ood), fpr95(id, ood), aupr(id, ood));
    }

    /**
     * Area under the ROC curve: the probability that a random OOD sample scores above a random
     * ID sample, ties counting one half (the Mann-Whitney U statistic over |ID| |OOD|).
     */
    public static double auroc(double[] id, double[] ood) {
        requireScores(id, ood);
        double[] a = id.clone(), b = ood.clone();
        Arrays.sort(a);
        Arrays.sort(b);
        double wins = 0;
        int lo = 0, hi = 0;
        for (double x : b) {
            while (lo < a.length && a[lo] < x) {
                lo++;
            }
            hi = Math.max(hi, lo);
            while (hi < a.length && a[hi] <= x) {
                hi++;
            }
            wins += lo + 0.5 * (hi - lo);
        }
        return wins / ((double) a.length * b.length);
    }

    /**
     * False positive rate at 95% true positive rate: with the threshold t the smallest ID score
     * such that at least 95% of ID scores are &lt;= t (those kept as ID), the share of OOD
     * samples with score &lt;= t (wrongly kept as ID).
     */
    public static double fpr95(double[] id, double[] ood) {
        requireScores(id, ood);
        double[] a = id.clone();
        Arrays.sort(a);
        double t = a[(int) Math.ceil(0.95 * a.length) - 1];
        long kept = Arrays.stream(ood).filter(x -> x <= t).count();
        return (double) kept / ood.length;
    }

    /**
     * Area under the precision-recall curve with ID positive, ranking samples by ascending score
     * (most ID-like first), as average precision: sum over ID samples of the precision at their
     * rank, over |ID|; tied scores share the precision at the end of their tie group.
     */
    public static double aupr(double[] id, double[] ood) {
        requireScores(id, ood);
        int n = id.length + ood.length;
        double[][] all = new double[n][];
        for (int i = 0; i < id.length; i++) {
            all[i] = new double[] {id[i], 1};
        }
        for (int i = 0; i < ood.length; i++) {
            all[id.length + i] = new double[] {ood[i], 0};
        }
        Arrays.sort(all, (p, q) -> Double.compare(p[0], q[0]));
        double ap = 0;
        int positives = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            int groupPositives = 0;
            while (j < n && all[j][0] == all[i][0]) {
                groupPositives += (int) all[j][1];
                j++;
            }
            positives += groupPositives;
            ap += groupPositives * ((double) positives / j);
            i = j;
        }
        return ap / id.length;
    }

    private static void requireScores(double[] id, double[] ood) {
        if (id.length == 0 || ood.length == 0) {
            throw new IllegalArgumentException("detection metrics need at least one ID and one OOD score");
        }
        for (double[] s : new double[][] {id, ood}) {
            for (double x : s) {
                if (Double.isNaN(x)) {
                    throw new IllegalArgumentException("a detection score is NaN");
                }
            }
        }
    }
}
