package org.latentfield.spark;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.latentfield.cli.AttractorsPartition;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.mining.MiningState;

/**
 * Pass 1's task: one range of starts mined by {@link AttractorsPartition}, streamed out one chunk
 * at a time as rows (start, iterations, evaluations, state, residual, partition-local id,
 * endpoint), then one summary row (start -1) holding the partition's summary as JSON.
 */
final class PartitionTask implements FlatMapFunction<Iterator<long[]>, Row> {
    /**
     * What every task needs.
     *
     * @param args      the attractors arguments
     * @param shipped   the input files and their bytes
     * @param k         latent dimension
     * @param endpoints whether rows keep their endpoints
     * @param failOnce  the partition whose first attempt fails (a test hook), or -1
     */
    record Job(String[] args, ShippedFiles shipped, int k, boolean endpoints, int failOnce) implements Serializable {}

    private final Broadcast<Job> job;

    PartitionTask(Broadcast<Job> job) {
        this.job = job;
    }

    @Override
    public Iterator<Row> call(Iterator<long[]> ranges) {
        Job j = job.value();
        if (!ranges.hasNext()) {
            return java.util.Collections.emptyIterator();
        }
        long[] range = ranges.next();
        int partition = (int) range[0];
        TaskContext context = TaskContext.get();
        if (j.failOnce() == partition && context != null && context.attemptNumber() == 0) {
            throw new IllegalStateException("test hook " + SparkMiner.FAIL_ONCE + ": the first attempt of partition " + partition + " fails");
        }
        Map<String, String> local = j.shipped().materialize();
        AttractorsPartition.Task task = AttractorsPartition.open(j.args(), local, 1, partition, range[1], range[2], System.err);
        if (context != null) {
            context.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> task.close());
        }
        return new Iterator<>() {
            private final ArrayDeque<Row> buffered = new ArrayDeque<>();
            private boolean summarised;

            @Override
            public boolean hasNext() {
                while (buffered.isEmpty() && !summarised) {
                    if (task.cursor().hasNext()) {
                        long at = task.cursor().next();
                        MiningState.Chunk c = task.cursor().last();
                        for (int i = 0; i < c.ids().length; i++) {
                            buffered.add(Tables.pass1Row(partition, at + i, c.result(), i, c.ids()[i], j.k(), j.endpoints()));
                        }
                    } else {
                        buffered.add(Tables.summaryRow(partition, task.summary().toJson()));
                        summarised = true;
                        if (context == null) {
                            task.close();
                        }
                    }
                }
                return !buffered.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return buffered.poll();
            }
        };
    }

    /** The states of a chunk's rows, for readers of the table. */
    static String state(FixedPointResult r, int row) {
        return r.states()[row].name().toLowerCase(java.util.Locale.ROOT);
    }
}
