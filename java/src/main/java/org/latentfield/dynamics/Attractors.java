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
 */
public record Attractors(List<Attractor> attractors, int[] basin, String merge) {

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
     */
    public record Attractor(float[] point, double[] polished64, int basinSize, double meanIterations, int representative) {}

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
        return fromClusters(result, dedup.cluster(), dedup.leader(), end, null, result.finalStepSq(), rule.spec());
    }

    /**
     * The attractors of {@code result} by the identity rule of issue 12: the converged endpoints
     * are polished ({@link FixedPointPolish}, relative residual {@code polishTol}, at most
     * {@code maxSteps} steps) and merged when their error balls touch
     * ({@link FixedPointIdentity}); each attractor's point is its best-polished member's polished
     * point. Endpoints whose polishing does not converge stay out of every basin (-1).
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
        int[] cluster = new int[n];
        Arrays.fill(cluster, -1);
        List<Integer> leaders = new ArrayList<>();
        float[] points = result.endpoints().data().clone();
        double[] points64 = new double[n * k];
        for (int i = 0; i < rows.length; i++) {
            if (!polished.reached()[i]) {
                continue;
            }
            cluster[rows[i]] = local[i];
            for (int j = 0; j < k; j++) {
                points[rows[i] * k + j] = (float) polished.points()[i * k + j];
                points64[rows[i] * k + j] = polished.points()[i * k + j];
            }
        }
        // renumber the clusters that kept a member, in order of their first member
        java.util.Map<Integer, Integer> renumber = new java.util.LinkedHashMap<>();
        for (int p = 0; p < n; p++) {
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
        float[] residual = new float[n];
        Arrays.fill(residual, Float.POSITIVE_INFINITY);
        for (int i = 0; i < rows.length; i++) {
            residual[rows[i]] = (float) polished.residual()[i];
        }
        Attractors a = fromClusters(result, cluster, leaders.stream().mapToInt(Integer::intValue).toArray(), points, points64, residual,
                "identity:" + polished.tol());
        return new Identified(a, polished, rows);
    }

    /** The attractors by the identity rule, with the polishing of the converged endpoints {@code rows}. */
    public record Identified(Attractors attractors, FixedPointPolish.Result polished, int[] rows) {}

    /**
     * Attractors from a clustering: the member with the smallest {@code step} gives the point
     * (and its row of {@code end64}, the polished float64 points, when there are any); largest
     * basin first.
     */
    private static Attractors fromClusters(FixedPointResult result, int[] cluster, int[] leaderRows, float[] end, double[] end64, float[] step,
                                           String merge) {
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
            list.add(new Attractor(point, point64, (int) s[0], (double) s[1] / s[0], best.get(a)));
        }
        for (int i = 0; i < n; i++) {
            if (basin[i] >= 0) {
                basin[i] = rank[basin[i]];
            }
        }
        return new Attractors(List.copyOf(list), basin, merge);
    }
}
