package org.latentfield.mining;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.LongConsumer;

/**
 * A way to run an {@code attractors} job over many JVMs: the {@code spark} module provides
 * Apache Spark's ({@code latentfield attractors ... --spark MASTER}). Found with
 * {@link ServiceLoader}, so the core library does not depend on it.
 *
 * <p>Contract: the starts 0 .. n - 1 are split into {@code partitions} ranges of consecutive
 * indices; each range is mined on some executor by {@link #PARTITION_ENTRY} (the same parsing,
 * model loading, engine choice and chunked mining as the single-machine run); the partitions'
 * states are merged in partition order; the per-start table is written to {@code table}.
 */
public interface ClusterMiner {
    /** The executor-side entry point: {@code org.latentfield.cli.AttractorsPartition#mine}. */
    String PARTITION_ENTRY = "org.latentfield.cli.AttractorsPartition";

    /**
     * @param args       the attractors command's arguments, as given (the executors parse them again)
     * @param files      the local files the run reads (model, decoder, starts), to ship to the executors
     * @param n          number of starts
     * @param k          latent dimension
     * @param master     the Spark master URL (local[N], spark://HOST:PORT, yarn, k8s://...)
     * @param partitions number of partitions
     * @param table      where the per-start Parquet table goes (a directory path or URI)
     * @param endpoints  whether the table keeps each start's endpoint
     * @param rule       the attractor rule (the driver merges with it)
     * @param progress   receives the number of starts of each finished partition
     * @param err        where notes go
     */
    record Request(String[] args, java.util.List<Path> files, long n, int k, String master, int partitions, String table, boolean endpoints,
                   org.latentfield.dynamics.AttractorRule rule, LongConsumer progress, PrintStream err) {}

    /**
     * @param state  the merged state (tally, fixed points)
     * @param basins per partition, each local fixed-point id's attractor index (-1: not an attractor)
     * @param engine what evaluated f on the executors: the partitions' description, or each with
     *               its partitions where they differ (a native plan that failed its check on one)
     * @param check  the native run checks: partition 0's where the engines agree, each partition's
     *               where they differ, or null
     * @param rows   rows written to the table
     * @param failedAttempts task attempts that failed and were re-run
     * @param jvms   the JVMs (PID@HOST) that mined the partitions, in partition order, distinct
     */
    record Result(MiningState state, int[][] basins, String engine, String check, long rows, int failedAttempts, java.util.List<String> jvms) {}

    Result mine(Request request);

    /** The first provider on the class path, if any. */
    static Optional<ClusterMiner> find() {
        return ServiceLoader.load(ClusterMiner.class).findFirst();
    }
}
