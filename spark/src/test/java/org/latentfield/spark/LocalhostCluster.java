package org.latentfield.spark;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on 127.0.0.1 for tests: one Master and N Workers, each its own JVM
 * started from this JVM's class path (spark-core holds the daemons; no Spark distribution). The
 * Workers launch one executor JVM each per application. What it takes without a distribution:
 * SPARK_HOME with an (empty) jars/ directory, SPARK_SCALA_VERSION=2.13 (else the launcher looks
 * for a source build), SPARK_LOCAL_IP=127.0.0.1; the application's classes reach the executors
 * through spark.executor.extraClassPath (same host). Readiness is read from the Master's
 * /json/ page: status ALIVE, then aliveworkers = N.
 */
final class LocalhostCluster implements AutoCloseable {
    final Path root;
    final String masterUrl;
    private final int uiPort;
    private final List<Process> daemons = new ArrayList<>();

    LocalhostCluster(int workers) throws Exception {
        root = Files.createTempDirectory("latentfield-spark-");
        Path home = Files.createDirectories(root.resolve("home"));
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(root.resolve("work"));
        int port = freePort();
        uiPort = freePort();
        masterUrl = "spark://127.0.0.1:" + port;
        try {
            start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port",
                    Integer.toString(uiPort));
            await("the master", () -> json().contains("\"status\" : \"ALIVE\""));
            for (int i = 0; i < workers; i++) {
                start("worker" + i, "org.apache.spark.deploy.worker.Worker", masterUrl, "--host", "127.0.0.1", "--port", "0", "--webui-port", "0",
                        "--cores", "1", "--memory", "1g", "--work-dir", root.resolve("work").toString());
            }
            await(workers + " workers", () -> aliveWorkers() >= workers);
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** This JVM's class path (surefire keeps it in a property, behind a manifest-only jar). */
    static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void start(String name, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp",
                classPath(), main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(root.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", root.resolve("home").toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().remove("SPARK_TESTING");
        daemons.add(pb.start());
    }

    private String json() {
        try {
            HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + uiPort + "/json/")).timeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> resp = HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
            return resp.statusCode() == 200 ? resp.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private int aliveWorkers() {
        Matcher m = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)").matcher(json());
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private void await(String what, java.util.function.BooleanSupplier ready) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!ready.getAsBoolean()) {
            for (Process p : daemons) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a Spark daemon exited (" + p.exitValue() + ") before " + what + " were up; logs in " + root);
                }
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException(what + " did not come up in 120 s; logs in " + root);
            }
            Thread.sleep(200);
        }
    }

    /** Workers, then the master (a Worker's shutdown kills its executors); anything left is killed; the directory goes. */
    @Override
    public void close() throws Exception {
        List<ProcessHandle> all = new ArrayList<>();
        for (Process p : daemons) {
            all.add(p.toHandle());
            p.descendants().forEach(all::add);
        }
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process p = daemons.get(i);
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        daemons.clear();
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }
}
