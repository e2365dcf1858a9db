package org.latentfield.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.latentfield.LatentfieldException;

/**
 * What {@code latentfield reproduce} runs: every analysis of PAPER.md sections 3-7 on the models
 * of one directory, as a list of ordinary {@code latentfield} command lines. The models are
 * found by name: the family sweep {@code FAMILY-kK.pt}, or {@code FAMILY-CxHxW.pt} for spatial
 * latents of k = C*H*W values (sorted by k), its checkpoint series {@code FAMILY-kK-series/} and
 * every {@code *-k2.pt} (whose field is drawn on the latent axes).
 *
 * @param models    the family sweep, smallest k first
 * @param twoD      every k = 2 model of the directory (family or not)
 * @param series    the checkpoint directory of the training-dynamics step, or null when there is none
 * @param steps     the command lines, in run order
 */
public record ReproductionPlan(List<Model> models, List<Path> twoD, Path series, List<Step> steps) {
    /** A model of the family sweep. */
    public record Model(Path path, int k) {
        public String stem() {
            String f = path.getFileName().toString();
            return f.substring(0, f.length() - ".pt".length());
        }
    }

    /**
     * One analysis: {@code latentfield COMMAND ARGS --out DIR/NAME}.
     *
     * @param name    the output sub-directory, unique in the plan
     * @param title   what it shows, for the report
     * @param command the latentfield subcommand
     * @param args    its arguments except --out
     * @param figures the PNG files it writes, for the report page
     */
    public record Step(String name, String title, String command, List<String> args, List<String> figures) {
        /** The full argument vector of the step writing into {@code out}. */
        public List<String> argv(Path out) {
            List<String> a = new ArrayList<>();
            a.add(command);
            a.addAll(resolve(args, out));
            a.add("--out");
            a.add(out.resolve(name).toString());
            return a;
        }
    }

    /**
     * Settings of a reproduction.
     *
     * @param modelsDir where the models are
     * @param family    the sweep's name prefix, e.g. fmnist-conv
     * @param train     training data (in distribution)
     * @param test      held-out data (in distribution)
     * @param oodSets   OOD data sets that could be loaded
     * @param samples   starts / samples per set of every step (the paper: 1000-5000)
     * @param seed      seed of every subset and noise draw
     */
    public record Settings(Path modelsDir, String family, String train, String test, List<String> oodSets, int samples, long seed) {
        public Settings {
            if (samples < 10) {
                throw new LatentfieldException("--samples must be at least 10, got " + samples + ".");
            }
            if (oodSets.isEmpty()) {
                throw new LatentfieldException("no OOD data set could be loaded, so the OOD analysis has nothing to compare against.");
            }
        }
    }

    /** "-k16.pt" (k = 16) or, for a spatial latent, "-4x8x8.pt" (k = 256). */
    private static final Pattern K = Pattern.compile("-(?:k(\\d+)|(\\d+(?:x\\d+)+))\\.pt");

    /** Finds the models and lays out the steps. */
    public static ReproductionPlan of(Settings s) {
        if (!Files.isDirectory(s.modelsDir())) {
            throw new LatentfieldException("--models " + s.modelsDir() + " is not a directory.");
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(s.modelsDir())) {
            files = list.sorted().toList();
        } catch (IOException e) {
            throw new LatentfieldException("--models " + s.modelsDir() + " cannot be read: " + e.getMessage() + ".");
        }
        List<Model> models = new ArrayList<>();
        List<Path> twoD = new ArrayList<>();
        Path series = null;
        for (Path f : files) {
            String name = f.getFileName().toString();
            Matcher m = K.matcher(name);
            if (Files.isRegularFile(f) && m.find() && m.end() == name.length()) {
                int k = latentCount(m);
                if (name.equals(s.family() + m.group())) {
                    models.add(new Model(f, k));
                }
                if (k == 2) {
                    twoD.add(f);
                }
            }
            if (series == null && Files.isDirectory(f) && name.startsWith(s.family() + "-") && name.endsWith("-series") && holdsModels(f)) {
                series = f;
            }
        }
        if (models.isEmpty()) {
            throw new LatentfieldException("--models " + s.modelsDir() + " holds no " + s.family() + "-k<K>.pt (or -CxHxW.pt) models of the family '"
                    + s.family() + "'; name one with --family.");
        }
        models.sort(Comparator.comparingInt(Model::k));
        return new ReproductionPlan(List.copyOf(models), List.copyOf(twoD), series, steps(s, models, twoD, series));
    }

    /** k of a name's "-kK" or "-CxHxW" suffix. */
    private static int latentCount(Matcher m) {
        if (m.group(1) != null) {
            return Integer.parseInt(m.group(1));
        }
        long k = 1;
        for (String d : m.group(2).split("x")) {
            k *= Long.parseLong(d);
        }
        return (int) Math.min(k, Integer.MAX_VALUE);
    }

    private static boolean holdsModels(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.anyMatch(p -> p.toString().endsWith(".pt"));
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Step> steps(Settings s, List<Model> models, List<Path> twoD, Path series) {
        String n = Integer.toString(s.samples()), seed = Long.toString(s.seed());
        List<Step> steps = new ArrayList<>();
        for (Path p : twoD) {
            String stem = p.getFileName().toString().replaceFirst("\\.pt$", "");
            steps.add(new Step("field-" + stem, "Latent vector field of " + stem + " on its two axes (paper figure 1)", "field",
                    List.of("--model", p.toString(), "--seed", seed), List.of("field.png")));
        }
        List<Model> wide = models.stream().filter(m -> m.k() > 2).toList();
        if (!wide.isEmpty()) {
            Model m = wide.get(0);
            steps.add(new Step("field-" + m.stem() + "-pca", "Latent vector field of " + m.stem() + " on the principal plane of its training codes",
                    "field", List.of("--model", m.path().toString(), "--plane", "pca", "--data", s.train(), "--samples", n, "--seed", seed),
                    List.of("field.png")));
        }
        steps.add(new Step("memorization", "Memorization vs generalization across the bottleneck sweep (paper figure 2)", "memorization",
                List.of("--model", String.join(",", models.stream().map(m -> m.path().toString()).toList()), "--train", s.train(), "--test",
                        s.test(), "--samples", n, "--seed", seed), List.of("memorization.png", "attractors.png")));
        if (series != null) {
            steps.add(new Step("dynamics", "Attractors over training of " + series.getFileName() + " (paper figure 3)", "dynamics",
                    List.of("--checkpoints", series.toString(), "--train", s.train(), "--test", s.test(), "--samples", n, "--seed", seed),
                    List.of("dynamics.png")));
        }
        for (Model m : wide) {
            steps.add(new Step("probe-" + m.stem(), "Data-free probing of " + m.stem() + " (paper figure 4)", "probe",
                    List.of("--model", m.path().toString(), "--data", s.test(), "--train", s.train(), "--samples", n, "--seed", seed),
                    List.of("mse.png", "reconstructions.png")));
        }
        String ood = String.join(",", s.oodSets());
        // KNN over 5N training codes: the K sweep up to the paper's K = 2000, as far as 5N allows
        String knnK = String.join(",", java.util.stream.IntStream.of(1, 10, 100, 1000, 2000).filter(k -> k <= 5 * s.samples())
                .mapToObj(Integer::toString).toList());
        for (Model m : wide) {
            for (String from : List.of("train", "noise")) {
                steps.add(new Step("ood-" + m.stem() + "-" + from, "OOD detection with " + m.stem() + ", attractors from " + from
                        + (from.equals("train") ? " (paper figure 5)" : " (ours)"), "ood",
                        List.of("--model", m.path().toString(), "--train", s.train(), "--id", s.test(), "--ood", ood, "--attractors-from", from,
                                "--samples", n, "--train-samples", Integer.toString(5 * s.samples()), "--knn-k", knnK, "--seed", seed),
                        List.of("hist_trajectory.png", "hist_attractor_distance.png", "hist_knn_k10.png", "hist_mahalanobis.png",
                                "hist_reconstruction_mse.png")));
            }
        }
        for (Model m : wide) {
            String attractors = "attractors-" + m.stem();
            steps.add(new Step(attractors, "Attractors of " + m.stem() + " from N(0, I) starts", "attractors",
                    List.of("--model", m.path().toString(), "--samples", n, "--seed", seed), List.of()));
            steps.add(new Step("jacobian-" + m.stem(), "Stability and iteration complexity at the attractors of " + m.stem(), "jacobian",
                    List.of("--model", m.path().toString(), "--at", "attractors:" + REPRODUCE_OUT + attractors), List.of("complexity.png")));
        }
        return List.copyOf(steps);
    }

    /** Placeholder for the output directory inside arguments; {@link #resolve} replaces it. */
    public static final String REPRODUCE_OUT = "${out}/";

    /** {@code argv} with {@code out} written as {@link #REPRODUCE_OUT}: the same steps compare equal wherever they were written. */
    public static List<String> portable(List<String> argv, Path out) {
        String prefix = out.toString() + "/";
        return argv.stream().map(a -> a.replace(prefix, REPRODUCE_OUT)).toList();
    }

    /** {@code args} with {@link #REPRODUCE_OUT} replaced by {@code out}. */
    public static List<String> resolve(List<String> args, Path out) {
        return args.stream().map(a -> a.replace(REPRODUCE_OUT, out.toString() + "/")).toList();
    }
}
