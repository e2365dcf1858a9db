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

    /**
     * The same statistics from a histogram: {@code counts[v]} values equal v (v &gt;= 0), for
     * runs too large to hold their counts.
     */
    public static IterationStats ofHistogram(long[] counts) {
        long n = 0, sum = 0;
        int max = 0;
        for (int v = 0; v < counts.length; v++) {
            n += counts[v];
            sum += v * counts[v];
            max = counts[v] > 0 ? v : max;
        }
        if (n == 0) {
            return new IterationStats(0, 0, 0, 0, 0, 0);
        }
        double median = n % 2 == 1 ? valueAt(counts, n / 2) : (valueAt(counts, n / 2 - 1) + valueAt(counts, n / 2)) / 2.0;
        return new IterationStats(Math.toIntExact(Math.min(n, Integer.MAX_VALUE)), (double) sum / n, median, valueAt(counts, rank(n, 0.90)),
                valueAt(counts, rank(n, 0.99)), max);
    }

    /** The value of 0-based rank r in the sorted values the histogram counts. */
    private static int valueAt(long[] counts, long r) {
        long seen = 0;
        for (int v = 0; v < counts.length; v++) {
            seen += counts[v];
            if (seen > r) {
                return v;
            }
        }
        throw new IllegalArgumentException("rank " + r + " beyond " + seen + " values");
    }

    private static long rank(long n, double p) {
        return Math.max(0, Math.min(n - 1, (long) Math.ceil(p * n) - 1));
    }

    private static int rank(int[] sorted, double p) {
        int idx = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }
}
