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
 * @param rule       the merge rule used
 */
public record Attractors(List<Attractor> attractors, int[] basin, MergeRule rule) {

    /**
     * One attractor.
     *
     * @param point          its representative: the member endpoint with the smallest final step
     *                       ||z_t - z_{t-1}||^2, i.e. the best-converged one (ties: lowest index)
     * @param basinSize      number of starts whose trajectories end at it
     * @param meanIterations mean iteration count of those starts
     * @param representative the index of the start whose endpoint is {@code point}
     */
    public record Attractor(float[] point, int basinSize, double meanIterations, int representative) {}

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
        float[] step = result.finalStepSq();
        int[] basin = new int[n];
        Arrays.fill(basin, -1);
        boolean[] converged = new boolean[n];
        for (int i = 0; i < n; i++) {
            converged[i] = result.converged(i);
        }
        NativeDistances.Dedup dedup = rule.dedup(end, k, converged);
        List<Integer> leaders = new ArrayList<>();       // founding member of each cluster
        List<Integer> best = new ArrayList<>();          // best-converged member of each cluster
        List<long[]> stats = new ArrayList<>();          // {members, sum of iterations}
        for (int leader : dedup.leader()) {
            leaders.add(leader);
            best.add(leader);
            stats.add(new long[2]);
        }
        for (int i = 0; i < n; i++) {
            int c = dedup.cluster()[i];
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
            list.add(new Attractor(point, (int) s[0], (double) s[1] / s[0], best.get(a)));
        }
        for (int i = 0; i < n; i++) {
            if (basin[i] >= 0) {
                basin[i] = rank[basin[i]];
            }
        }
        return new Attractors(List.copyOf(list), basin, rule);
    }
}
