package org.latentfield.data;

import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Row selections of data sets. */
public final class Subsets {
    private Subsets() {}

    /** All {@code count} rows in order when n >= count, else n distinct rows drawn in a seeded random order. */
    public static int[] seeded(int count, int n, long seed) {
        if (n >= count) {
            return IntStream.range(0, count).toArray();
        }
        return new SplittableRandom(seed).ints(0, count).distinct().limit(n).toArray();
    }
}
