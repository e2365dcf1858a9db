package org.latentfield.dynamics;

import java.util.List;

/**
 * Attractors found by deduplicating the converged endpoints of a fixed-point run, with their
 * basins (PAPER.md sections 1-2).
 *
 * @param attractors the attractors, largest basin first (ties: the one first reached by the
 *                   lowest start index)
 * @param basin      per start, the index of its attractor in {@code attractors}, or -1 when the
 *                   start did not converge (not converged or diverged)
 * @param merge      the merge rule used, as the CLI spells it (e.g. "cosine:0.99", "identity:1.0E-9")
 * @param others     the fixed points the identity rule found that are not attractors (saddles,
 *                   repellers, non-hyperbolic or unclassifiable points), most starts first; they
 *                   have no basin (their starts get -1). Empty for the endpoint-only rules,
 *                   which cannot tell the kinds apart.
 */
public record Attractors(List<Attractor> attractors, int[] basin, String merge, List<FixedPoint> others) {

    /** Attractors with no other fixed points. */
    public Attractors(List<Attractor> attractors, int[] basin, String merge) {
        this(attractors, basin, merge, List.of());
    }

    /**
     * One attractor.
     *
     * @param point          its representative: the member endpoint with the smallest final step
     *                       ||z_t - z_{t-1}||^2, i.e. the best-converged one (ties: lowest index);
     *                       by the identity rule, the polished point of the smallest residual
     * @param polished64     that polished point in float64 (identity rule), else null
     * @param basinSize      number of starts whose trajectories end at it
     * @param meanIterations mean iteration count of those starts
     * @param representative the index of the start whose endpoint is {@code point}
     * @param rho            spectral radius of J_f at the polished point (identity rule), else NaN
     */
    public record Attractor(float[] point, double[] polished64, int basinSize, double meanIterations, int representative, double rho) {}

    /**
     * A fixed point that is not an attractor.
     *
     * @param point          its best-polished member's polished point
     * @param polished64     the same in float64
     * @param kind           what kind of fixed point it is
     * @param rho            spectral radius of J_f there
     * @param starts         number of starts whose solver stopped there
     * @param representative the index of that best-polished start
     */
    public record FixedPoint(float[] point, double[] polished64, FixedPointKind kind, double rho, int starts, int representative) {}

    /** Number of starts that ended at a fixed point of the given kind (attractors: their basins). */
    public long startsAt(FixedPointKind kind) {
        if (kind == FixedPointKind.ATTRACTOR) {
            return attractors.stream().mapToLong(Attractor::basinSize).sum();
        }
        return others.stream().filter(f -> f.kind() == kind).mapToLong(FixedPoint::starts).sum();
    }

    /** Number of distinct fixed points of the given kind. */
    public long count(FixedPointKind kind) {
        return kind == FixedPointKind.ATTRACTOR ? count() : others.stream().filter(f -> f.kind() == kind).count();
    }

    public int count() {
        return attractors.size();
    }

    /** The representatives as rows (count x k), largest basin first. */
    public org.latentfield.data.Points points(int k) {
        float[] z = new float[count() * k];
        for (int i = 0; i < count(); i++) {
            System.arraycopy(attractors.get(i).point(), 0, z, i * k, k);
        }
        return new org.latentfield.data.Points(count(), k, z);
    }

    /**
     * Deduplicates the converged endpoints of {@code result} with {@code rule}, greedily in start
     * order: an endpoint joins the first attractor (in order of creation) whose representative
     * (founding member) it matches, or founds a new one. The outcome depends only on the
     * endpoints and their order, so it is deterministic. Cost O(n x attractors x k), in liblf's
     * {@code lf_dedup_cpu}. A run streamed in chunks through an {@link AttractorSet} gets the same.
     */
    public static Attractors find(FixedPointResult result, MergeRule rule) {
        AttractorSet set = new AttractorSet(rule, result.endpoints().dim());
        return whole(result, set, FixedPointClusters.dedup(result, rule, 0, set.keys()));
    }

    /**
     * The attractors of {@code result} by the identity rule of issue 12: the converged endpoints
     * are polished ({@link FixedPointPolish}, relative residual {@code polishTol}, at most
     * {@code maxSteps} steps), merged when their error balls touch ({@link FixedPointIdentity}),
     * and each fixed point so found is classified from the spectrum of J_f at its best-polished
     * member ({@link FixedPointKind}). Only attractors get basins; the others are listed in
     * {@link #others()}. Endpoints whose polishing does not reach the tolerance stay out of
     * every basin (-1) and are counted in {@link Identified}.
     */
    public static Identified identify(FixedPointResult result, org.latentfield.map.LatentMap map, double polishTol, int maxSteps) {
        AttractorSet set = new AttractorSet(null, result.endpoints().dim());
        Attractors a = whole(result, set, FixedPointClusters.identify(result, map, polishTol, maxSteps, 0, set.keys()));
        return new Identified(a, set.polish());
    }

    /** The attractors by the identity rule, with what polishing the converged endpoints did. */
    public record Identified(Attractors attractors, PolishTally polished) {}

    /** A whole run's attractors from its clusters, through a set of its own. */
    private static Attractors whole(FixedPointResult result, AttractorSet set, FixedPointClusters clusters) {
        int[] global = set.add(clusters);
        AttractorSet.Catalog catalog = set.catalog();
        int[] basin = new int[result.size()];
        for (int i = 0; i < basin.length; i++) {
            int c = clusters.cluster()[i];
            basin[i] = c < 0 ? -1 : catalog.basinOf()[global[c]];
        }
        Attractors a = catalog.attractors();
        return new Attractors(a.attractors(), basin, a.merge(), a.others());
    }
}
