package org.latentfield.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.latentfield.cli.Main;

/**
 * The main class of the cluster jar, for {@code spark-submit}:
 * <pre>
 * spark-submit --master spark://HOST:7077 --deploy-mode client \
 *   --class org.latentfield.spark.SparkMain latentfield-spark-0.1.0-SNAPSHOT-cluster.jar \
 *   attractors --model fmnist-conv-k16.pt --samples 10000000 --partitions 64 --out run
 * </pre>
 * It runs the latentfield command given, adding {@code --spark} with the master spark-submit
 * chose (its {@code spark.master}) when the arguments name none.
 */
public final class SparkMain {
    private SparkMain() {}

    public static void main(String[] args) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        String master = System.getProperty("spark.master");
        if (!a.contains("--spark") && master != null && !a.isEmpty() && a.get(0).equals("attractors")) {
            a.add("--spark");
            a.add(master);
        }
        System.exit(Main.run(a.toArray(new String[0]), System.out, System.err));
    }
}
