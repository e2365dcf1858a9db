package org.latentfield.dynamics;

import java.util.Locale;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeDistances;

/**
 * When two converged endpoints count as the same attractor (PAPER.md section 2).
 *
 * <p>{@link Cosine} is the paper's rule (cosine similarity > 0.99); it is scale-blind, merging z
 * and 2z, and undefined at the origin, so (ours) endpoints with norm at most
 * {@code originRadius} form one "origin" attractor of their own. {@link Euclidean} merges
 * endpoints closer than a radius.
 */
public sealed interface MergeRule {
    /** True when endpoints a and b (same length) belong to the same attractor. */
    boolean same(float[] a, int aOffset, float[] b, int bOffset, int dim);

    /**
     * Greedy deduplication of the rows of {@code x} (dim wide) with this rule, in row order, by
     * liblf; rows with {@code active[i] == false} are left out (cluster -1).
     */
    NativeDistances.Dedup dedup(float[] x, int dim, boolean[] active);

    /** The rule as the CLI spells it, e.g. "cosine:0.99". */
    String spec();

    /** The paper's default: cosine similarity > 0.99. */
    static MergeRule paperDefault() {
        return new Cosine(0.99, Cosine.DEFAULT_ORIGIN_RADIUS);
    }

    /**
     * Parses "cosine:T", "cosine:T:R" (R = origin radius) or "euclidean:R".
     *
     * @throws LatentfieldException naming the spec when it is malformed or out of range
     */
    static MergeRule parse(String spec) {
        String[] parts = spec.trim().toLowerCase(Locale.ROOT).split(":");
        try {
            if (parts[0].equals("cosine") && (parts.length == 2 || parts.length == 3)) {
                double r = parts.length == 3 ? Double.parseDouble(parts[2]) : Cosine.DEFAULT_ORIGIN_RADIUS;
                return new Cosine(Double.parseDouble(parts[1]), r);
            }
            if (parts[0].equals("euclidean") && parts.length == 2) {
                return new Euclidean(Double.parseDouble(parts[1]));
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new LatentfieldException("--merge must be cosine:T (0 < T <= 1, optionally cosine:T:R with an origin radius R >= 0)"
                + " or euclidean:R (R > 0), got '" + spec + "'.");
    }

    /**
     * Cosine rule: same when cos(a, b) > threshold; endpoints with ||z|| <= originRadius are
     * the origin's and match only each other.
     */
    record Cosine(double threshold, double originRadius) implements MergeRule {
        public static final double DEFAULT_ORIGIN_RADIUS = 1e-3;

        public Cosine {
            if (!(threshold > 0 && threshold <= 1)) {
                throw new LatentfieldException("--merge cosine threshold must be in (0, 1], got " + threshold + ".");
            }
            if (!(originRadius >= 0) || Double.isInfinite(originRadius)) {
                throw new LatentfieldException("--merge cosine origin radius must be finite and >= 0, got " + originRadius + ".");
            }
        }

        @Override
        public boolean same(float[] a, int ao, float[] b, int bo, int dim) {
            double dot = 0, na = 0, nb = 0;
            for (int j = 0; j < dim; j++) {
                double x = a[ao + j], y = b[bo + j];
                dot += x * y;
                na += x * x;
                nb += y * y;
            }
            double r2 = originRadius * originRadius;
            boolean aZero = na <= r2, bZero = nb <= r2;
            if (aZero || bZero) {
                return aZero && bZero;
            }
            return dot / Math.sqrt(na * nb) > threshold;
        }

        @Override
        public NativeDistances.Dedup dedup(float[] x, int dim, boolean[] active) {
            return NativeDistances.dedup(x, dim, active, NativeDistances.Metric.COSINE, threshold, originRadius, Device.CPU);
        }

        @Override
        public String spec() {
            return "cosine:" + threshold + (originRadius != DEFAULT_ORIGIN_RADIUS ? ":" + originRadius : "");
        }
    }

    /** Euclidean rule: same when ||a - b||_2 < radius. */
    record Euclidean(double radius) implements MergeRule {
        public Euclidean {
            if (!(radius > 0) || Double.isInfinite(radius)) {
                throw new LatentfieldException("--merge euclidean radius must be positive and finite, got " + radius + ".");
            }
        }

        @Override
        public boolean same(float[] a, int ao, float[] b, int bo, int dim) {
            double d2 = 0;
            for (int j = 0; j < dim; j++) {
                double d = a[ao + j] - b[bo + j];
                d2 += d * d;
            }
            return d2 < radius * radius;
        }

        @Override
        public NativeDistances.Dedup dedup(float[] x, int dim, boolean[] active) {
            return NativeDistances.dedup(x, dim, active, NativeDistances.Metric.EUCLIDEAN, radius, 0, Device.CPU);
        }

        @Override
        public String spec() {
            return "euclidean:" + radius;
        }
    }
}
