package org.latentfield.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.latentfield.LatentfieldException;
import org.latentfield.dynamics.AttractorSet;
import org.latentfield.mining.ClusterMiner;
import org.latentfield.mining.MiningState;
import org.latentfield.mining.PartitionMining;

/**
 * {@code latentfield attractors ... --spark MASTER} on Apache Spark.
 *
 * <p>Pass 1: the starts 0 .. n - 1 are cut into P ranges of consecutive indices, one task each
 * ({@link PartitionTask}); a task mines its range exactly as the single-machine run mines it
 * (the model file travels with {@code SparkContext.addFile} and is loaded once per executor JVM
 * and task slot) and writes one row per start, with its fixed-point id in the partition's own
 * set, plus one row with the partition's summary (its fixed points, tally), to a temporary
 * Parquet table beside the final one. The driver reads the P summaries, merges them in
 * partition order into global ids ({@link MiningState#merge}) and orders the attractors as the
 * single-machine run does. Pass 2 maps every start's partition-local id to its basin (a
 * broadcast table) and writes the per-start table: start, iterations, evaluations, state,
 * residual, basin and, unless {@code --keep summary}, the endpoint. A task that fails is re-run
 * by Spark and gives the same rows, so results depend neither on the partitioning (beyond float
 * rounding of the engine's batch shapes) nor on failures.
 */
public final class SparkMiner implements ClusterMiner {
    /** A test hook: the first attempt of this partition's task fails (Spark re-runs it). */
    public static final String FAIL_ONCE = "spark.latentfield.failOnce";

    @Override
    public Result mine(Request r) {
        checkMaster(r.master());
        boolean embedded = SparkSession.getDefaultSession().isDefined();
        SparkSession spark = SparkSession.builder().master(r.master()).appName("latentfield attractors")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate();
        try {
            if (embedded && !spark.sparkContext().master().equals(r.master())) {
                throw new LatentfieldException("this JVM already runs a Spark session on " + spark.sparkContext().master() + "; --spark "
                        + r.master() + " cannot start another (give that master, or run in a JVM of its own).");
            }
            checkTable(spark, r.table());
            return run(spark, r);
        } catch (SparkException e) {
            throw new LatentfieldException("the Spark job failed: " + rootMessage(e) + ".", e);
        } finally {
            if (!embedded) {
                spark.stop();
            }
        }
    }

    private static Result run(SparkSession spark, Request r) throws SparkException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ShippedFiles shipped = ship(r.files());
        int p = r.partitions() > 0 ? r.partitions() : jsc.defaultParallelism();
        p = (int) Math.max(1, Math.min(p, r.n()));
        List<long[]> ranges = new ArrayList<>();
        for (int i = 0; i < p; i++) {
            long first = r.n() * i / p, end = r.n() * (i + 1) / p;
            ranges.add(new long[] {i, first, end - first});
        }
        int failOnce = jsc.getConf().getInt(FAIL_ONCE, -1);
        Broadcast<PartitionTask.Job> job = jsc.broadcast(new PartitionTask.Job(r.args(), shipped, r.k(), r.endpoints(), failOnce));
        String pass1 = sibling(r.table(), "pass1-" + UUID.randomUUID());
        Progress progress = new Progress(ranges, r.progress());
        spark.sparkContext().addSparkListener(progress);
        try {
            jsc.setJobGroup(Progress.GROUP, "latentfield attractors: mining " + r.n() + " starts in " + p + " partitions", false);
            JavaRDD<Row> rows = jsc.parallelize(ranges, p).mapPartitions(new PartitionTask(job));
            spark.createDataFrame(rows, Tables.pass1()).write().parquet(pass1);
            jsc.clearJobGroup();

            Dataset<Row> written = spark.read().parquet(pass1);
            List<PartitionMining.Summary> summaries = new ArrayList<>();
            for (Row row : written.filter("start < 0").select("summary").collectAsList()) {
                summaries.add(PartitionMining.Summary.fromJson(row.getString(0)));
            }
            summaries.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            long counted = summaries.stream().mapToLong(PartitionMining.Summary::count).sum();
            if (summaries.size() != p || counted != r.n()) {
                throw new IllegalStateException("pass 1 wrote " + summaries.size() + " partition summaries for " + counted + " starts; expected "
                        + p + " for " + r.n());
            }
            MiningState merged = new MiningState(r.rule(), r.k());
            List<MiningState.Saved> states = new ArrayList<>();
            for (PartitionMining.Summary s : summaries) {
                states.add(s.state());
            }
            int[][] ids = merged.merge(states);
            AttractorSet.Catalog catalog = merged.set().catalog();
            int[][] basins = new int[p][];
            for (int i = 0; i < p; i++) {
                basins[i] = new int[ids[i].length];
                for (int c = 0; c < ids[i].length; c++) {
                    basins[i][c] = catalog.basinOf()[ids[i][c]];
                }
            }
            Broadcast<int[][]> basinMap = jsc.broadcast(basins);
            JavaRDD<Row> table = written.filter("start >= 0").javaRDD().map(new Tables.ToBasin(basinMap, r.endpoints()));
            spark.createDataFrame(table, Tables.result(r.endpoints())).write().parquet(r.table());
            delete(spark, pass1);
            List<String> jvms = summaries.stream().map(PartitionMining.Summary::jvm).distinct().toList();
            // every partition's native runs were checked against LibTorch (a failed check ran that partition in LibTorch, and the
            // engines then differ); the check's numbers differ by partition, so one is shown where the engines agree
            String engine = byPartition(summaries, PartitionMining.Summary::engine);
            String check = engine != null && engine.startsWith("partitions differ")
                    ? byPartition(summaries, PartitionMining.Summary::check)
                    : summaries.get(0).check() == null ? null : "each partition checked; partition 0: " + summaries.get(0).check();
            return new Result(merged, basins, engine, check, counted, progress.failed(), jvms);
        } catch (RuntimeException e) {
            delete(spark, pass1);
            throw e;
        } finally {
            spark.sparkContext().removeSparkListener(progress);
        }
    }

    /**
     * What the partitions say of one fact (the engine, the run check): the one value when they
     * agree, else each value with its partitions, so that a partition whose native plan failed
     * its check and ran in LibTorch is not reported as native.
     */
    static String byPartition(List<PartitionMining.Summary> summaries, java.util.function.Function<PartitionMining.Summary, String> fact) {
        Map<String, List<Integer>> where = new java.util.LinkedHashMap<>();
        for (PartitionMining.Summary s : summaries) {
            where.computeIfAbsent(String.valueOf(fact.apply(s)), x -> new ArrayList<>()).add(s.partition());
        }
        if (where.size() == 1) {
            String only = where.keySet().iterator().next();
            return only.equals("null") ? null : only;
        }
        List<String> parts = new ArrayList<>();
        where.forEach((value, ps) -> parts.add(value + " (partitions " + ps + ")"));
        return "partitions differ: " + String.join("; ", parts);
    }

    /** The most bytes of input files a run broadcasts to its executors. */
    static final long MAX_SHIPPED = 512L << 20;

    /**
     * The run's files (model, decoder, starts) as broadcast bytes: each executor JVM writes them
     * once to a directory named by their digest ({@link ShippedFiles}). Broadcast rather than
     * SparkContext.addFile, whose files Spark 4 executors keep in a per-session directory that
     * SparkFiles.get does not name. Returns each file's argument spelling to its name.
     */
    private static ShippedFiles ship(List<Path> files) {
        Map<String, String> names = new HashMap<>();
        Map<String, byte[]> bytes = new HashMap<>();
        long total = 0;
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (bytes.containsKey(name)) {
                throw new LatentfieldException("--spark ships every input file to the executors by its name, and two are named " + name
                        + "; rename one.");
            }
            try {
                total += java.nio.file.Files.size(f);
                if (total > MAX_SHIPPED) {
                    throw new LatentfieldException("--spark ships the model and the starts to every executor, and " + f + " brings them over "
                            + (MAX_SHIPPED >> 20) + " MiB; use noise or uniform starts (drawn on the executors), or fewer rows.");
                }
                bytes.put(name, java.nio.file.Files.readAllBytes(f));
            } catch (IOException e) {
                throw new LatentfieldException(f + " cannot be read to ship it to the executors (" + e.getMessage() + ").", e);
            }
            names.put(f.toString(), name);
        }
        return ShippedFiles.of(names, bytes);
    }

    /**
     * A spark://HOST:PORT[,HOST:PORT...] master must accept a connection (one of them, for a
     * standby list) within 5 s; Spark itself retries for a minute before it gives up.
     */
    static void checkMaster(String master) {
        if (!master.startsWith("spark://")) {
            return;
        }
        IOException last = null;
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            URI u = URI.create("spark://" + hostPort);
            if (u.getHost() == null || u.getPort() < 0) {
                throw new LatentfieldException("--spark " + master + " is not a master URL; expected spark://HOST:PORT.");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 5000);
                return;
            } catch (IOException e) {
                last = e;
            }
        }
        throw new LatentfieldException("the Spark master " + master + " cannot be reached (" + last.getMessage() + "); start it, or check the"
                + " host and port.");
    }

    private static void checkTable(SparkSession spark, String table) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(table);
            if (p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
                throw new LatentfieldException("--table " + table + " exists; give another --table or remove it.");
            }
        } catch (IOException e) {
            throw new LatentfieldException("--table " + table + " cannot be checked (" + e.getMessage() + ").", e);
        }
    }

    private static String sibling(String table, String suffix) {
        String t = table.endsWith("/") ? table.substring(0, table.length() - 1) : table;
        return t + "." + suffix;
    }

    private static void delete(SparkSession spark, String path) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            fs.delete(p, true);
        } catch (IOException | RuntimeException e) {
            // a temporary table left behind is named .pass1-UUID beside the table; nothing reads it
        }
    }

    /** The first line of the deepest cause that has a message, without Spark's wrapping. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        String message = e.getMessage();
        while (t != null) {
            if (t instanceof LatentfieldException && t.getMessage() != null) {
                message = t.getMessage();
                break;
            }
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
            t = t.getCause();
        }
        String line = message == null ? e.toString() : message.lines().findFirst().orElse(message);
        int i = line.indexOf("LatentfieldException: ");
        line = i >= 0 ? line.substring(i + "LatentfieldException: ".length()) : line;
        return line.endsWith(".") ? line.substring(0, line.length() - 1) : line;
    }

    /** Counts finished starts as pass 1's tasks succeed. */
    static final class Progress extends SparkListener {
        static final String GROUP = "latentfield-pass1";
        private final List<long[]> ranges;
        private final java.util.function.LongConsumer progress;
        private final Set<Integer> stages = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final Set<Integer> done = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();

        /** Task attempts of pass 1 that failed (and were re-run, or the job failed). */
        int failed() {
            return failed.get();
        }

        Progress(List<long[]> ranges, java.util.function.LongConsumer progress) {
            this.ranges = ranges;
            this.progress = progress;
        }

        @Override
        public void onJobStart(SparkListenerJobStart start) {
            if (GROUP.equals(start.properties() == null ? null : start.properties().getProperty("spark.jobGroup.id"))) {
                scala.jdk.javaapi.CollectionConverters.asJava(start.stageIds()).forEach(id -> stages.add((Integer) id));
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (stages.contains(end.stageId()) && end.taskInfo().failed()) {
                failed.incrementAndGet();
            }
            if (stages.contains(end.stageId()) && end.taskInfo().successful() && done.add(end.taskInfo().partitionId())) {
                synchronized (this) {
                    progress.accept(ranges.get(end.taskInfo().partitionId())[2]);
                }
            }
        }
    }
}
