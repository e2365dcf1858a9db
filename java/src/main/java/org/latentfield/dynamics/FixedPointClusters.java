package org.latentfield.dynamics;

import java.util.ArrayList;
import java.util.List;
import org.latentfield.kernels.NativeDistances;
import org.latentfield.map.LatentMap;

/**
 * The fixed points that one run, or one chunk of a run's starts, reached: which converged start
 * belongs to which cluster, and per cluster what a merge across chunks needs ({@link AttractorSet}).
 *
 * <p>A chunk is clustered with the representatives of the fixed points already known (the
 * {@code priors}, in order of creation): every start is compared with them first, then with the
 * chunk's own new clusters, exactly as the greedy rule of {@link FixedPointIdentity#cluster} or
 * {@link MergeRule} compares it with all earlier clusters when the run is clustered whole. Clusters
 * 0 .. priors - 1 are the priors' (possibly with no member here); the rest are new.
 *
 * @param offset  the index of the chunk's first start in the run
 * @param cluster per start of the chunk, its cluster, or -1 (not converged; identity rule: its
 *                polishing did not reach the tolerance)
 * @param clusters the clusters, priors first
 * @param priors  how many of them are the priors'
 * @param polish  what polishing did (identity rule), else {@link PolishTally#NONE}
 * @param merge   the rule, as the CLI spells it
 */
public record FixedPointClusters(long offset, int[] cluster, List<Cluster> clusters, int priors, PolishTally polish, String merge) {

    /**
     * A cluster's key, the representative new starts are compared with: its first member, which
     * founded it.
     *
     * @param point   identity rule: the polished point (float64); endpoint rules: null
     * @param radius  identity rule: the radius of its ball ({@link FixedPointIdentity#radius}); else 0
     * @param endpoint endpoint rules: the endpoint; identity rule: null
     */
    public record Key(double[] point, double radius, float[] endpoint) {}

    /**
     * One cluster.
     *
     * @param key        its representative (for a prior: the prior's)
     * @param point      the point of its best member (identity: polished, smallest residual; endpoint
     *                   rules: the endpoint with the smallest final step; ties: lowest start)
     * @param point64    that point in float64: polished (identity) or as iterated (a float64 model); else null
     * @param residual   the best member's residual (identity) or final step ||z_t - z_{t-1}||^2
     * @param best       the best member's start index in the run
     * @param leader     the first member's start index in the run (Long.MAX_VALUE when none)
     * @param kind       the kind of fixed point at the best member (endpoint rules: ATTRACTOR)
     * @param rho        spectral radius of J_f at the best member (NaN unknown)
     * @param members    starts in it
     * @param iterations the sum of their iteration counts
     */
    public record Cluster(Key key, float[] point, double[] point64, double residual, long best, long leader, FixedPointKind kind, double rho,
                          long members, long iterations) {}

    /**
     * The identity rule on one chunk: its converged endpoints are polished to relative residual
     * {@code tol} ({@link FixedPointPolish}), clustered after {@code priors} by
     * {@link FixedPointIdentity}, and each cluster's kind is read at its best-polished member.
     */
    public static FixedPointClusters identify(FixedPointResult result, LatentMap map, double tol, int maxSteps, long offset, List<Key> priors) {
        int n = result.size();
        int k = result.endpoints().dim();
        int[] rows = java.util.stream.IntStream.range(0, n).filter(result::converged).toArray();
        float[] z = new float[rows.length * k];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(result.endpoints().data(), rows[i] * k, z, i * k, k);
        }
        FixedPointPolish.Result p = FixedPointPolish.polish(map, z, rows.length, tol, maxSteps);
        double[][] priorPoints = new double[priors.size()][];
        double[] priorRadii = new double[priors.size()];
        for (int c = 0; c < priors.size(); c++) {
            priorPoints[c] = priors.get(c).point();
            priorRadii[c] = priors.get(c).radius();
        }
        int[] local = FixedPointIdentity.cluster(p, k, priorPoints, priorRadii);
        double[] e = FixedPointIdentity.radii(p, k);
        int[] cluster = new int[n];
        java.util.Arrays.fill(cluster, -1);
        Builder b = new Builder(priors, offset);
        for (int i = 0; i < rows.length; i++) {
            if (local[i] < 0) {
                continue;
            }
            cluster[rows[i]] = local[i];
            double[] point64 = java.util.Arrays.copyOfRange(p.points(), i * k, i * k + k);
            double radius = e[i];
            b.add(local[i], () -> new Key(point64, radius, null), rows[i], result.iterations()[rows[i]], p.residual()[i], () -> toFloats(point64), point64, p.kind()[i], p.rho()[i]);
        }
        return new FixedPointClusters(offset, cluster, b.clusters(), priors.size(), PolishTally.of(p), "identity:" + p.tol());
    }

    /**
     * An endpoint-only rule on one chunk: its converged endpoints are deduplicated greedily in
     * start order after {@code priors} (liblf's {@code lf_dedup_cpu} on the priors' endpoints
     * followed by the chunk's).
     */
    public static FixedPointClusters dedup(FixedPointResult result, MergeRule rule, long offset, List<Key> priors) {
        int n = result.size();
        int k = result.endpoints().dim();
        int g = priors.size();
        float[] x = new float[(g + n) * k];
        boolean[] active = new boolean[g + n];
        for (int c = 0; c < g; c++) {
            System.arraycopy(priors.get(c).endpoint(), 0, x, c * k, k);
            active[c] = true;
        }
        System.arraycopy(result.endpoints().data(), 0, x, g * k, n * k);
        for (int i = 0; i < n; i++) {
            active[g + i] = result.converged(i);
        }
        NativeDistances.Dedup d = rule.dedup(x, k, active);
        for (int c = 0; c < g; c++) {
            if (d.cluster()[c] != c) {
                throw new IllegalStateException("the known fixed points " + d.cluster()[c] + " and " + c + " match under " + rule.spec());
            }
        }
        int[] cluster = new int[n];
        Builder b = new Builder(priors, offset);
        for (int i = 0; i < n; i++) {
            int c = d.cluster()[g + i];
            cluster[i] = c;
            if (c < 0) {
                continue;
            }
            int row = i;
            java.util.function.Supplier<Key> key = () -> new Key(null, 0, java.util.Arrays.copyOfRange(x, (g + row) * k, (g + row) * k + k));
            double[] point64 = result.endpoints64() == null ? null : java.util.Arrays.copyOfRange(result.endpoints64(), i * k, i * k + k);
            b.add(c, key, i, result.iterations()[i], result.finalStepSq()[i],
                    () -> java.util.Arrays.copyOfRange(result.endpoints().data(), row * k, row * k + k), point64, FixedPointKind.ATTRACTOR, Double.NaN);
        }
        return new FixedPointClusters(offset, cluster, b.clusters(), g, PolishTally.NONE, rule.spec());
    }

    private static float[] toFloats(double[] x) {
        float[] f = new float[x.length];
        for (int j = 0; j < x.length; j++) {
            f[j] = (float) x[j];
        }
        return f;
    }

    /** Collects the clusters' statistics member by member, in start order. */
    private static final class Builder {
        private final List<Key> keys = new ArrayList<>();
        private final List<Cluster> clusters = new ArrayList<>();
        private final long offset;

        Builder(List<Key> priors, long offset) {
            this.offset = offset;
            for (Key key : priors) {
                keys.add(key);
                clusters.add(null);
            }
        }

        void add(int c, java.util.function.Supplier<Key> key, int row, int iterations, double residual, java.util.function.Supplier<float[]> point, double[] point64,
                 FixedPointKind kind, double rho) {
            while (clusters.size() <= c) {
                keys.add(null);
                clusters.add(null);
            }
            if (keys.get(c) == null) {
                keys.set(c, key.get()); // the founding member
            }
            Cluster old = clusters.get(c);
            long start = offset + row;
            if (old == null) {
                clusters.set(c, new Cluster(keys.get(c), point.get(), point64, residual, start, start, kind, rho, 1, iterations));
            } else if (residual < old.residual()) {
                clusters.set(c, new Cluster(old.key(), point.get(), point64, residual, start, old.leader(), kind, rho, old.members() + 1,
                        old.iterations() + iterations));
            } else {
                clusters.set(c, new Cluster(old.key(), old.point(), old.point64(), old.residual(), old.best(), old.leader(), old.kind(), old.rho(),
                        old.members() + 1, old.iterations() + iterations));
            }
        }

        List<Cluster> clusters() {
            List<Cluster> out = new ArrayList<>(clusters.size());
            for (int c = 0; c < clusters.size(); c++) {
                Cluster x = clusters.get(c);
                out.add(x != null ? x : new Cluster(keys.get(c), null, null, Double.POSITIVE_INFINITY, Long.MAX_VALUE, Long.MAX_VALUE,
                        FixedPointKind.ATTRACTOR, Double.NaN, 0, 0));
            }
            return out;
        }
    }
}
