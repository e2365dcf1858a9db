package org.latentfield.report;

import java.util.Arrays;

/**
 * Distribution of per-point iteration counts: mean, median, 90th and 99th percentiles
 * (nearest rank: the smallest value with at least p% of the counts at or below it) and max.
 */
public record IterationStats(int count, double mean, double median, int p90, int p99, int max) {

    public static IterationStats of(int[] iterations) {
        if (iterations.length == 0) {
            return new IterationStats(0, 0, 0, 0, 0, 0);
        }
        int[] s = iterations.clone();
        Arrays.sort(s);
        long sum = 0;
        for (int v : s) {
            sum += v;
        }
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
        return new IterationStats(n, (double) sum / n, median, rank(s, 0.90), rank(s, 0.99), s[n - 1]);
    }

    private static int rank(int[] sorted, double p) {
        int idx = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }
}
