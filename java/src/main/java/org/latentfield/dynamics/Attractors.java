package org.latentfield.dynamics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.latentfield.kernels.NativeDistances;

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
     * it matches, or founds a new one. The outcome depends only on the endpoints and their
     * order, so it is deterministic. Cost O(n x attractors x k), in liblf's {@code lf_dedup_cpu}.
     */
    public static Attractors find(FixedPointResult result, MergeRule rule) {
        int n = result.size();
        int k = result.endpoints().dim();
        float[] end = result.endpoints().data();
        boolean[] converged = new boolean[n];
        for (int i = 0; i < n; i++) {
            converged[i] = result.converged(i);
        }
        NativeDistances.Dedup dedup = rule.dedup(end, k, converged);
        return fromClusters(result, dedup.cluster(), dedup.leader(), end, null, result.finalStepSq(), null, rule.spec());
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
        int n = result.size();
        int k = result.endpoints().dim();
        int[] rows = java.util.stream.IntStream.range(0, n).filter(result::converged).toArray();
        float[] z = new float[rows.length * k];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(result.endpoints().data(), rows[i] * k, z, i * k, k);
        }
        FixedPointPolish.Result polished = FixedPointPolish.polish(map, z, rows.length, polishTol, maxSteps);
        int[] local = FixedPointIdentity.cluster(polished, k);
        // the kind of a fixed point is read at its best-polished member
        java.util.Map<Integer, Integer> bestOf = new java.util.HashMap<>();
        for (int i = 0; i < rows.length; i++) {
            if (polished.reached()[i]) {
                bestOf.merge(local[i], i, (a, b) -> polished.residual()[b] < polished.residual()[a] ? b : a);
            }
        }
        int[] attractorCluster = new int[n];
        int[] otherCluster = new int[n];
        Arrays.fill(attractorCluster, -1);
        Arrays.fill(otherCluster, -1);
        float[] points = result.endpoints().data().clone();
        double[] points64 = new double[n * k];
        float[] residual = new float[n];
        double[] rho = new double[n];
        Arrays.fill(residual, Float.POSITIVE_INFINITY);
        for (int i = 0; i < rows.length; i++) {
            if (!polished.reached()[i]) {
                continue;
            }
            int best = bestOf.get(local[i]);
            boolean attractor = polished.kind()[best] == FixedPointKind.ATTRACTOR;
            (attractor ? attractorCluster : otherCluster)[rows[i]] = local[i];
            for (int j = 0; j < k; j++) {
                points[rows[i] * k + j] = (float) polished.points()[i * k + j];
                points64[rows[i] * k + j] = polished.points()[i * k + j];
            }
            residual[rows[i]] = (float) polished.residual()[i];
            rho[rows[i]] = polished.rho()[best];
        }
        int[] leaders = renumber(attractorCluster);
        Attractors a = fromClusters(result, attractorCluster, leaders, points, points64, residual, rho, "identity:" + polished.tol());
        List<FixedPoint> others = others(otherCluster, renumber(otherCluster), points, points64, residual, polished, rows, bestOf, local, k);
        return new Identified(new Attractors(a.attractors(), a.basin(), a.merge(), others), polished, rows);
    }

    /** Renumbers the non-negative clusters in order of their first member; returns each one's first member. */
    private static int[] renumber(int[] cluster) {
        java.util.Map<Integer, Integer> renumber = new java.util.LinkedHashMap<>();
        List<Integer> leaders = new ArrayList<>();
        for (int p = 0; p < cluster.length; p++) {
            if (cluster[p] >= 0) {
                Integer c = renumber.get(cluster[p]);
                if (c == null) {
                    c = renumber.size();
                    renumber.put(cluster[p], c);
                    leaders.add(p);
                }
                cluster[p] = c;
            }
        }
        return leaders.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The non-attracting fixed points, most starts first (ties: first reached by the lowest start). */
    private static List<FixedPoint> others(int[] cluster, int[] leaders, float[] points, double[] points64, float[] residual,
                                           FixedPointPolish.Result polished, int[] rows, java.util.Map<Integer, Integer> bestOf,
                                           int[] local, int k) {
        int count = leaders.length;
        int[] starts = new int[count];
        int[] best = leaders.clone();
        for (int p = 0; p < cluster.length; p++) {
            int c = cluster[p];
            if (c >= 0) {
                starts[c]++;
                if (residual[p] < residual[best[c]]) {
                    best[c] = p;
                }
            }
        }
        int[] rowOf = new int[cluster.length];
        for (int i = 0; i < rows.length; i++) {
            rowOf[rows[i]] = i;
        }
        Integer[] order = new Integer[count];
        for (int c = 0; c < count; c++) {
            order[c] = c;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer c) -> -starts[c]).thenComparingInt(c -> leaders[c]));
        List<FixedPoint> list = new ArrayList<>(count);
        for (int c : order) {
            int b = best[c];
            int at = bestOf.get(local[rowOf[b]]);
            list.add(new FixedPoint(Arrays.copyOfRange(points, b * k, b * k + k), Arrays.copyOfRange(points64, b * k, b * k + k),
                    polished.kind()[at], polished.rho()[at], starts[c], b));
        }
        return List.copyOf(list);
    }

    /** The attractors by the identity rule, with the polishing of the converged endpoints {@code rows}. */
    public record Identified(Attractors attractors, FixedPointPolish.Result polished, int[] rows) {}

    /**
     * Attractors from a clustering: the member with the smallest {@code step} gives the point
     * (and its row of {@code end64}, the polished float64 points, and of {@code rho}, when there
     * are any); largest basin first.
     */
    private static Attractors fromClusters(FixedPointResult result, int[] cluster, int[] leaderRows, float[] end, double[] end64, float[] step,
                                           double[] rho, String merge) {
        int n = result.size();
        int k = result.endpoints().dim();
        int[] basin = new int[n];
        Arrays.fill(basin, -1);
        List<Integer> leaders = new ArrayList<>();       // founding member of each cluster
        List<Integer> best = new ArrayList<>();          // best-converged member of each cluster
        List<long[]> stats = new ArrayList<>();          // {members, sum of iterations}
        for (int leader : leaderRows) {
            leaders.add(leader);
            best.add(leader);
            stats.add(new long[2]);
        }
        for (int i = 0; i < n; i++) {
            int c = cluster[i];
            if (c < 0) {
                continue;
            }
            if (step[i] < step[best.get(c)]) {
                best.set(c, i);
            }
            basin[i] = c;
            stats.get(c)[0]++;
            stats.get(c)[1] += result.iterations()[i];
        }
        Integer[] order = new Integer[leaders.size()];
        for (int a = 0; a < order.length; a++) {
            order[a] = a;
        }
        Arrays.sort(order, Comparator.comparingLong((Integer a) -> -stats.get(a)[0]).thenComparingInt(leaders::get));
        int[] rank = new int[order.length];
        List<Attractor> list = new ArrayList<>(order.length);
        for (int r = 0; r < order.length; r++) {
            int a = order[r];
            rank[a] = r;
            float[] point = Arrays.copyOfRange(end, best.get(a) * k, best.get(a) * k + k);
            long[] s = stats.get(a);
            double[] point64 = end64 == null ? null : Arrays.copyOfRange(end64, best.get(a) * k, best.get(a) * k + k);
            list.add(new Attractor(point, point64, (int) s[0], (double) s[1] / s[0], best.get(a), rho == null ? Double.NaN : rho[best.get(a)]));
        }
        for (int i = 0; i < n; i++) {
            if (basin[i] >= 0) {
                basin[i] = rank[basin[i]];
            }
        }
        return new Attractors(List.copyOf(list), basin, merge);
    }
}
