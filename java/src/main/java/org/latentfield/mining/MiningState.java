package org.latentfield.mining;

import java.util.List;
import java.util.function.LongConsumer;
import org.latentfield.data.StartStream;
import org.latentfield.dynamics.AttractorRule;
import org.latentfield.dynamics.AttractorSet;
import org.latentfield.dynamics.FixedPointClusters;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.MergeRule;
import org.latentfield.dynamics.PolishTally;
import org.latentfield.map.LatentMap;

/**
 * What a mining run knows as its chunks finish: the online set of fixed points by its rule, for
 * the identity rule the paper's cosine rule on the same endpoints (summary.json compares the two
 * counts), and the per-start tally. One chunk at a time ({@link #mine}) on one machine; partition
 * states merged in partition order ({@link #merge}) on a cluster.
 */
public final class MiningState {
    private final AttractorRule rule;
    private final AttractorSet set;
    private final AttractorSet cosine;
    private RunTally tally = new RunTally();

    public MiningState(AttractorRule rule, int k) {
        this.rule = rule;
        this.set = rule.newSet(k);
        this.cosine = rule instanceof AttractorRule.Identity ? new AttractorSet(MergeRule.paperDefault(), k) : null;
    }

    /** A finished chunk: its result and each start's fixed-point id in {@link #set()} (-1: none). */
    public record Chunk(FixedPointResult result, int[] ids) {}

    /**
     * Iterates starts {@code first .. first + rows - 1}, clusters the endpoints after the fixed
     * points already known and merges them in.
     */
    public Chunk mine(StartStream starts, long first, int rows, StreamingMiner.ChunkSolver solver, LatentMap map, LongConsumer progress) {
        FixedPointResult r = solver.solve(starts.points(first, rows), progress);
        FixedPointClusters local = rule.cluster(r, map, first, set.keys());
        int[] global = set.add(local);
        int[] ids = new int[rows];
        for (int i = 0; i < rows; i++) {
            int c = local.cluster()[i];
            ids[i] = c < 0 ? -1 : global[c];
        }
        if (cosine != null) {
            cosine.add(FixedPointClusters.dedup(r, MergeRule.paperDefault(), first, cosine.keys()));
        }
        tally.add(r);
        return new Chunk(r, ids);
    }

    public AttractorSet set() {
        return set;
    }

    public RunTally tally() {
        return tally;
    }

    /** The number of attractors the paper's cosine rule finds on the same endpoints (identity rule), else -1. */
    public int cosineCount() {
        return cosine == null ? -1 : cosine.catalog().attractors().count();
    }

    /**
     * The state in plain records (for a checkpoint or a partition's summary).
     *
     * @param fixedPoints the fixed points in order of creation (their ids)
     * @param cosine      the paper rule's, or null
     */
    public record Saved(RunTally.Saved tally, List<FixedPointClusters.Cluster> fixedPoints, String merge, PolishTally polish,
                        List<FixedPointClusters.Cluster> cosine) {}

    public Saved save() {
        return new Saved(tally.save(), set.fixedPoints(), set.merge(), set.polish(), cosine == null ? null : cosine.fixedPoints());
    }

    public void restore(Saved s) {
        tally = RunTally.restore(s.tally());
        set.restore(s.fixedPoints(), s.merge(), s.polish());
        if (cosine != null) {
            cosine.restore(s.cosine(), MergeRule.paperDefault().spec(), PolishTally.NONE);
        }
    }

    /**
     * Merges the states of a run's partitions, in partition order, into this (empty) state: each
     * partition's fixed points are compared by their representatives with those of the
     * partitions before it ({@link AttractorSet#add}), and the tallies add.
     *
     * @return per partition, its fixed-point ids mapped to ids of this state's set
     */
    public int[][] merge(List<Saved> parts) {
        int[][] ids = new int[parts.size()][];
        for (int p = 0; p < parts.size(); p++) {
            Saved s = parts.get(p);
            ids[p] = set.add(new FixedPointClusters(0, new int[0], s.fixedPoints(), 0, s.polish(), s.merge()));
            if (cosine != null) {
                cosine.add(new FixedPointClusters(0, new int[0], s.cosine(), 0, PolishTally.NONE, MergeRule.paperDefault().spec()));
            }
            tally.add(s.tally());
        }
        return ids;
    }
}
