package org.latentfield.dynamics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The fixed points of a run kept online, as its chunks (or, on a cluster, its partitions) are
 * clustered: memory O(fixed points x k), independent of the number of starts.
 *
 * <p>{@link #add} merges one chunk's {@link FixedPointClusters} into the set and returns each
 * local cluster's global id (ids are given in order of creation and never change). A local
 * cluster clustered after this set's {@link #keys()} (a prior) is that fixed point; a new one is
 * compared by its key with the fixed points known before the call, in order of creation, by the
 * rule that made it (identity: the balls of the two representatives touch; endpoint rules:
 * {@link MergeRule#same}), and joins the first that matches, else becomes a new fixed point.
 * Merged statistics: members and iteration sums add; the best member (smallest residual, then
 * lowest start) gives the point, its float64 twin, the kind and rho; the first member is the
 * lowest start. {@link #catalog} orders the attractors as a whole-run {@link Attractors} does:
 * largest basin first, ties by first member.
 */
public final class AttractorSet {
    private final MergeRule endpointRule;
    private final int k;
    private final List<FixedPointClusters.Cluster> fixedPoints = new ArrayList<>();
    private String merge;
    private PolishTally polish = PolishTally.NONE;

    /**
     * @param endpointRule the endpoint-only rule of the chunks, or null for the identity rule
     * @param k            the latent dimension
     */
    public AttractorSet(MergeRule endpointRule, int k) {
        this.endpointRule = endpointRule;
        this.k = k;
        this.merge = endpointRule != null ? endpointRule.spec() : null;
    }

    /** The representatives of the fixed points known so far, in order of creation: the priors of the next chunk. */
    public List<FixedPointClusters.Key> keys() {
        List<FixedPointClusters.Key> keys = new ArrayList<>(fixedPoints.size());
        for (FixedPointClusters.Cluster c : fixedPoints) {
            keys.add(c.key());
        }
        return keys;
    }

    /** Number of fixed points known (of every kind). */
    public int size() {
        return fixedPoints.size();
    }

    /** The rule as the CLI spells it (identity: with the tolerance polishing used), null before the first chunk. */
    public String merge() {
        return merge;
    }

    /** What polishing did over the chunks added so far. */
    public PolishTally polish() {
        return polish;
    }

    /** The fixed points known, in order of creation (their global ids). */
    public List<FixedPointClusters.Cluster> fixedPoints() {
        return List.copyOf(fixedPoints);
    }

    /** Merges a chunk's clusters; returns each local cluster's global id. */
    public int[] add(FixedPointClusters local) {
        int before = fixedPoints.size();
        if (local.priors() > before) {
            throw new IllegalArgumentException("a chunk clustered after " + local.priors() + " fixed points merged into a set of " + before);
        }
        merge = local.merge();
        polish = polish.plus(local.polish());
        List<FixedPointClusters.Cluster> clusters = local.clusters();
        int[] global = new int[clusters.size()];
        for (int c = 0; c < clusters.size(); c++) {
            FixedPointClusters.Cluster x = clusters.get(c);
            int g = c < local.priors() ? c : match(x.key(), before);
            if (g < 0) {
                g = fixedPoints.size();
                fixedPoints.add(x);
            } else if (x.members() > 0) {
                fixedPoints.set(g, merged(fixedPoints.get(g), x));
            }
            global[c] = g;
        }
        return global;
    }

    /** Restores a set saved by {@link #fixedPoints()} (a resumed run). */
    public void restore(List<FixedPointClusters.Cluster> saved, String merge, PolishTally polish) {
        fixedPoints.clear();
        fixedPoints.addAll(saved);
        this.merge = merge;
        this.polish = polish;
    }

    private int match(FixedPointClusters.Key key, int before) {
        for (int g = 0; g < before; g++) {
            FixedPointClusters.Key other = fixedPoints.get(g).key();
            boolean same = endpointRule != null ? endpointRule.same(key.endpoint(), 0, other.endpoint(), 0, k)
                    : FixedPointIdentity.touch(key.point(), 0, key.radius(), other.point(), 0, other.radius(), k);
            if (same) {
                return g;
            }
        }
        return -1;
    }

    private static FixedPointClusters.Cluster merged(FixedPointClusters.Cluster a, FixedPointClusters.Cluster b) {
        boolean bBest = a.members() == 0 || b.residual() < a.residual() || (b.residual() == a.residual() && b.best() < a.best());
        FixedPointClusters.Cluster best = bBest ? b : a;
        return new FixedPointClusters.Cluster(a.key(), best.point(), best.point64(), best.residual(), best.best(), Math.min(a.leader(), b.leader()),
                best.kind(), best.rho(), a.members() + b.members(), a.iterations() + b.iterations());
    }

    /**
     * The set as a run's result.
     *
     * @param attractors the attractors and other fixed points, ordered as {@link Attractors}
     *                   orders them; its basin array is empty (a streamed run writes basins
     *                   per start: map them with {@code basinOf})
     * @param points64   per attractor, its point in float64 (polished, or as a float64 model
     *                   iterated it), or null
     * @param basinOf    per global id, the attractor's index in {@code attractors}, or -1 for a
     *                   fixed point that is not an attractor
     */
    public record Catalog(Attractors attractors, List<double[]> points64, int[] basinOf) {}

    /** The attractors (largest basin first, ties by first member) and the other fixed points (most starts first). */
    public Catalog catalog() {
        int m = fixedPoints.size();
        Integer[] order = new Integer[m];
        for (int g = 0; g < m; g++) {
            order[g] = g;
        }
        Arrays.sort(order, Comparator.comparingLong((Integer g) -> -fixedPoints.get(g).members()).thenComparingLong(g -> fixedPoints.get(g).leader()));
        int[] basinOf = new int[m];
        Arrays.fill(basinOf, -1);
        List<Attractors.Attractor> attractors = new ArrayList<>();
        List<double[]> points64 = new ArrayList<>();
        List<Attractors.FixedPoint> others = new ArrayList<>();
        for (int g : order) {
            FixedPointClusters.Cluster c = fixedPoints.get(g);
            if (c.members() == 0) {
                continue;
            }
            boolean identity = endpointRule == null;
            if (c.kind() == FixedPointKind.ATTRACTOR) {
                basinOf[g] = attractors.size();
                attractors.add(new Attractors.Attractor(c.point(), identity ? c.point64() : null, Math.toIntExact(c.members()),
                        (double) c.iterations() / c.members(), Math.toIntExact(c.best()), c.rho()));
                points64.add(c.point64());
            } else {
                others.add(new Attractors.FixedPoint(c.point(), c.point64(), c.kind(), c.rho(), Math.toIntExact(c.members()), Math.toIntExact(c.best())));
            }
        }
        return new Catalog(new Attractors(List.copyOf(attractors), new int[0], merge, List.copyOf(others)), points64, basinOf);
    }
}
