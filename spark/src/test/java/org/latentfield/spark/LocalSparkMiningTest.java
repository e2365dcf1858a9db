package org.latentfield.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.cli.Main;
import org.latentfield.data.Npy;

/**
 * attractors --spark local[...] (issue 14): the same attractors, basin sizes and per-start basins
 * as the single-machine run on the same starts, for 1, 3 and 7 partitions, and when a task fails
 * once and is re-run.
 */
class LocalSparkMiningTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SAMPLES = "300";

    @TempDir
    static Path dir;
    private static Path model;
    private static JsonNode single;
    private static int[] singleBasins;

    record Run(int code, String out, String err) {}

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path model(String name) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("models").resolve(name))) {
                return p.resolve("models").resolve(name);
            }
        }
        throw new IllegalStateException("models/" + name + " not found");
    }

    @BeforeAll
    static void singleMachineRun() throws Exception {
        model = model("fmnist-conv-k16.pt");
        Path out = dir.resolve("single");
        Run r = cli("attractors", "--model", model.toString(), "--samples", SAMPLES, "--seed", "4", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        single = JSON.readTree(out.resolve("summary.json").toFile());
        double[] b = Npy.read(out.resolve("basin.npy")).toDoubles();
        singleBasins = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            singleBasins[i] = (int) b[i];
        }
    }

    /** The per-start table, ordered by start (read by a session of its own, stopped again: each run makes its own). */
    static List<Row> table(Path parquet) {
        SparkSession reader = SparkSession.builder().master("local[1]").appName("reader").config("spark.ui.enabled", "false").getOrCreate();
        try {
            return reader.read().parquet(parquet.toString()).orderBy("start").collectAsList();
        } finally {
            reader.stop();
        }
    }

    static void assertSameAsSingle(Path out, int partitions) throws Exception {
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals(partitions, s.path("settings").path("partitions").asInt());
        assertEquals(single.path("attractor_count"), s.path("attractor_count"), "attractor count");
        assertEquals(single.path("converged"), s.path("converged"));
        for (int a = 0; a < single.path("attractor_count").asInt(); a++) {
            assertEquals(single.path("attractors").get(a).path("basin_size"), s.path("attractors").get(a).path("basin_size"), "attractor " + a);
            JsonNode pa = single.path("attractors").get(a).path("point"), pb = s.path("attractors").get(a).path("point");
            for (int j = 0; j < pa.size(); j++) {
                assertEquals(pa.get(j).asDouble(), pb.get(j).asDouble(), 1e-5 * (1 + Math.abs(pa.get(j).asDouble())) * 100, "attractor " + a);
            }
        }
        List<Row> rows = table(out.resolve("starts.parquet"));
        assertEquals(singleBasins.length, rows.size());
        int[] basins = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i, rows.get(i).getLong(0), "start indices 0 .. n - 1, each once");
            basins[i] = rows.get(i).getInt(rows.get(i).fieldIndex("basin"));
        }
        assertArrayEquals(singleBasins, basins, "every start in the same basin");
    }

    @Test
    void localSparkIsTheSingleMachineRunForOneThreeAndSevenPartitions() throws Exception {
        for (int p : new int[] {1, 3, 7}) {
            Path out = dir.resolve("spark-" + p);
            Run r = cli("attractors", "--model", model.toString(), "--samples", SAMPLES, "--seed", "4", "--spark", "local[2]", "--partitions",
                    Integer.toString(p), "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("per-start table (" + SAMPLES + " rows)"), r.out());
            assertSameAsSingle(out, p);
            assertEquals(0, JSON.readTree(out.resolve("summary.json").toFile()).path("settings").path("failed_task_attempts").asInt());
        }
    }

    /** A task whose first attempt fails (the test hook) is re-run by Spark (local[2,2]: two attempts per task), and nothing changes. */
    @Test
    void aTaskThatFailsOnceChangesNothing() throws Exception {
        Path out = dir.resolve("retried");
        System.setProperty(SparkMiner.FAIL_ONCE, "1");
        try {
            Run r = cli("attractors", "--model", model.toString(), "--samples", SAMPLES, "--seed", "4", "--spark", "local[2,2]", "--partitions",
                    "3", "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            assertEquals(1, JSON.readTree(out.resolve("summary.json").toFile()).path("settings").path("failed_task_attempts").asInt(),
                    "the hook failed one attempt");
        } finally {
            System.clearProperty(SparkMiner.FAIL_ONCE);
        }
        assertSameAsSingle(out, 3);
    }

    /** Without retries (local[2]: one attempt), the same failure is one sentence naming the cause, and --out is not created. */
    @Test
    void aTaskThatFailsWithoutRetriesIsOneSentence() {
        Path out = dir.resolve("failed");
        System.setProperty(SparkMiner.FAIL_ONCE, "0");
        try {
            Run r = cli("attractors", "--model", model.toString(), "--samples", "20", "--spark", "local[2]", "--partitions", "2",
                    "--out", out.toString());
            assertEquals(1, r.code(), r.err());
            String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
            assertTrue(last.endsWith("the Spark job failed: test hook " + SparkMiner.FAIL_ONCE + ": the first attempt of partition 0 fails."), last);
        } finally {
            System.clearProperty(SparkMiner.FAIL_ONCE);
        }
        assertTrue(!Files.exists(out), "nothing half-written");
    }

    @Test
    void anUnreachableMasterIsOneSentence() {
        Run r = cli("attractors", "--model", model.toString(), "--samples", "20", "--spark", "spark://127.0.0.1:1", "--out",
                dir.resolve("x").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().strip().endsWith("the Spark master spark://127.0.0.1:1 cannot be reached (Connection refused); start it, or check"
                + " the host and port."), r.err());
        assertTrue(!Files.exists(dir.resolve("x")));
    }

    @Test
    void aTableThatExistsIsRefusedBeforeTheRun() throws Exception {
        Path table = Files.createDirectories(dir.resolve("old.parquet"));
        Files.writeString(table.resolve("part-0"), "earlier");
        Run r = cli("attractors", "--model", model.toString(), "--samples", "20", "--spark", "local[1]", "--table", table.toUri().toString(),
                "--out", dir.resolve("y").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("exists; give another --table"), r.err());
        assertEquals("earlier", Files.readString(table.resolve("part-0")));
        assertTrue(!Files.exists(dir.resolve("y")));
    }

    @Test
    void aMissingModelIsOneSentence() {
        Run r = cli("attractors", "--model", dir.resolve("none.pt").toString(), "--spark", "local[1]", "--out", dir.resolve("z").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("none.pt") && r.err().strip().lines().count() == 1, r.err());
    }

    /**
     * A real cluster: a standalone master and two workers on localhost, each a JVM of its own,
     * whose executors (two more JVMs) load latentfield's native libraries and the model: the
     * same attractors, counts and basins as the single-machine run.
     */
    @Test
    void aStandaloneClusterOfTwoWorkersIsTheSingleMachineRun() throws Exception {
        Path out = dir.resolve("cluster");
        String[] conf = {"spark.driver.host", "127.0.0.1", "spark.driver.bindAddress", "127.0.0.1", "spark.executor.memory", "512m",
            "spark.executor.cores", "1", "spark.cores.max", "2", "spark.scheduler.minRegisteredResourcesRatio", "1.0",
            "spark.scheduler.maxRegisteredResourcesWaitingTime", "120s", "spark.executor.extraClassPath", LocalhostCluster.classPath()};
        try (LocalhostCluster cluster = new LocalhostCluster(2)) {
            for (int i = 0; i < conf.length; i += 2) {
                System.setProperty(conf[i], conf[i + 1]);
            }
            Run r = cli("attractors", "--model", model.toString(), "--samples", SAMPLES, "--seed", "4", "--spark", cluster.masterUrl,
                    "--partitions", "4", "--out", out.toString());
            assertEquals(0, r.code(), r.err() + "\nlogs in " + cluster.root);
        } finally {
            for (int i = 0; i < conf.length; i += 2) {
                System.clearProperty(conf[i]);
            }
        }
        assertSameAsSingle(out, 4);
        JsonNode jvms = JSON.readTree(out.resolve("summary.json").toFile()).path("settings").path("executor_jvms");
        String self = Long.toString(ProcessHandle.current().pid());
        java.util.Set<String> pids = new java.util.HashSet<>();
        for (JsonNode j : jvms) {
            String pid = j.asText().split("@")[0];
            assertTrue(!pid.equals(self), "partitions ran in executor JVMs, not the driver: " + jvms);
            pids.add(pid);
        }
        assertEquals(2, pids.size(), "both workers' executors mined partitions: " + jvms);
    }
}
