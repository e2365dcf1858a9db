package org.latentfield.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.data.StartStream;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.mining.EngineChoice;
import org.latentfield.mining.PartitionMining;

/**
 * The executor side of {@code attractors --spark}: one partition of starts mined exactly as the
 * single-machine run mines them, from the same arguments. Each JVM loads the model once per
 * concurrent task slot and reuses it for every later task with the same arguments (a pool, since
 * a loaded model and its native plan serve one thread at a time).
 */
public final class AttractorsPartition {
    static {
        NativeLibraries.prepare();
    }

    private static final Map<String, ConcurrentLinkedQueue<Loaded>> POOL = new ConcurrentHashMap<>();

    private record Loaded(TorchScriptAutoencoder map, EngineChoice choice) {}

    private AttractorsPartition() {}

    /**
     * A partition of the run that {@code args} describe, mined one chunk per step: starts
     * {@code first .. first + count - 1}. Close it to give the model back to the JVM's pool.
     *
     * @param args       the attractors arguments as the driver got them
     * @param localPaths the executor's copies of the files the arguments name (model, decoder,
     *                   starts): original argument to local path
     * @param threads    CPU threads for this task (LibTorch's and liblf's)
     * @param err        where the model's notes go
     */
    public static Task open(String[] args, Map<String, String> localPaths, int threads, int partition, long first, long count, PrintStream err) {
        List<String> local = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--spark") || a.equals("--partitions") || a.equals("--table") || a.equals("--threads")) {
                i++; // the driver's, or replaced below
                continue;
            }
            local.add(localPaths.getOrDefault(a, a));
        }
        local.add("--threads");
        local.add(Integer.toString(threads));
        String[] rewritten = local.toArray(new String[0]);
        AttractorsCommand.Plan plan;
        try {
            plan = AttractorsCommand.Plan.parse(new AttractorsCommand().options(), rewritten);
        } catch (ParseException e) {
            throw new LatentfieldException("the executor could not read the attractors arguments: " + e.getMessage() + ".", e);
        }
        String key = String.join("\u0000", rewritten);
        ConcurrentLinkedQueue<Loaded> pool = POOL.computeIfAbsent(key, x -> new ConcurrentLinkedQueue<>());
        Loaded loaded = pool.poll();
        if (loaded == null) {
            try {
                TorchScriptAutoencoder map = ModelOptions.open(plan.cl(), err);
                loaded = new Loaded(map, EngineChoice.choose(plan.engine(), map, plan.cl().getOptionValue("model")));
            } catch (ParseException e) {
                throw new LatentfieldException("the executor could not open the model: " + e.getMessage() + ".", e);
            }
        }
        int k = loaded.map().latentDim();
        StartStream starts = plan.randomOrFile(k);
        int chunk = (int) Math.min(plan.chunk(k), Math.max(1, count));
        return new Task(plan, loaded, pool, starts, partition, first, count,
                new PartitionMining.Cursor(starts, first, count, chunk, plan.chunkSolver(loaded.choice(), loaded.map()), plan.rule(), loaded.map()));
    }

    /** One partition in progress. */
    public static final class Task implements AutoCloseable {
        private final AttractorsCommand.Plan plan;
        private final Loaded loaded;
        private final ConcurrentLinkedQueue<Loaded> pool;
        private final StartStream starts;
        private final int partition;
        private final long first;
        private final long count;
        private final PartitionMining.Cursor cursor;

        private Task(AttractorsCommand.Plan plan, Loaded loaded, ConcurrentLinkedQueue<Loaded> pool, StartStream starts, int partition, long first,
                     long count, PartitionMining.Cursor cursor) {
            this.plan = plan;
            this.loaded = loaded;
            this.pool = pool;
            this.starts = starts;
            this.partition = partition;
            this.first = first;
            this.count = count;
            this.cursor = cursor;
        }

        /** The chunks, one per {@link PartitionMining.Cursor#next()}. */
        public PartitionMining.Cursor cursor() {
            return cursor;
        }

        /** What the partition found, once its cursor is exhausted. */
        public PartitionMining.Summary summary() {
            return new PartitionMining.Summary(partition, first, count, cursor.state().save(), plan.engineDescription(loaded.choice()),
                    loaded.choice().check(), PartitionMining.Summary.thisJvm());
        }

        @Override
        public void close() {
            starts.close();
            pool.add(loaded);
        }
    }
}
