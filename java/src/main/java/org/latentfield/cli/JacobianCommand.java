package org.latentfield.cli;

import org.latentfield.mining.EngineChoice;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Npy;
import org.latentfield.data.Points;
import com.fasterxml.jackson.databind.JsonNode;
import org.latentfield.analysis.IterationComplexity;
import org.latentfield.dynamics.Jacobians;
import org.latentfield.dynamics.LocalStability;
import org.latentfield.report.FileDigest;
import org.latentfield.report.Figures;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.report.Json;
import org.latentfield.report.ModelReport;
import org.latentfield.report.OutputDirectory;

/**
 * {@code latentfield jacobian}: spectral norm and spectral radius of J_f at given points, and each
 * point's class: stable (rho &lt; 1), not stable, or undefined where f(z) or J_f(z) is not finite
 * (undefined is never stable; see {@link LocalStability}). When every point is undefined the
 * command still succeeds and says so: "nowhere defined" is an answer about the model, the files
 * record it, and a reproduction that runs this step goes on to the next.
 */
final class JacobianCommand implements Main.Command {
    static final List<String> FILES = List.of("spectral_norm.npy", "spectral_radius.npy", "stability.npy", "summary.json",
            "complexity.png");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String summary() {
        return "spectral norm ||J_f(z)||_2 and spectral radius rho(J_f(z)) of the latent map at given points (rho < 1: attractor)";
    }

    @Override
    public String synopsis() {
        return "latentfield jacobian --model PATH --at PATH.npy|attractors:DIR --out DIR [options]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        ModelOptions.add(o);
        o.addOption(Option.builder().longOpt("at").hasArg().argName("PATH.npy|attractors:DIR").required()
                .desc("the points: rows of an N x k .npy, or the attractors.npy of an 'attractors' output directory").build());
        o.addOption(Option.builder().longOpt("iters").hasArg().argName("N").desc("power-iteration cap for the spectral norm (default 1000)").build());
        o.addOption(Option.builder().longOpt("tol").hasArg().argName("T")
                .desc("power iteration stops when ||J v||^2 changes by at most T times itself (default 1e-10)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                .desc("output directory: spectral_norm.npy, spectral_radius.npy (float32, one per point, NaN where undefined),"
                        + " stability.npy (int32, one per point: 1 stable, 0 not stable, -1 undefined), summary.json").build());
        o.addOption(Option.builder().longOpt("json").desc("print summary.json to stdout").build());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = Args.parse(options(), args);
        String at = cl.getOptionValue("at");
        Path points = at.startsWith("attractors:") ? Path.of(at.substring("attractors:".length())).resolve("attractors.npy") : Path.of(at);
        if (at.startsWith("attractors:") && !Files.isRegularFile(points)) {
            throw new LatentfieldException("--at " + at + ": " + points + " does not exist; expected the output directory of"
                    + " 'latentfield attractors'.");
        }
        Device device = Device.resolve(cl.getOptionValue("device", "auto"));
        String engine = EngineOption.spec(cl);
        Jacobians.Options options = new Jacobians.Options(Args.integer(cl, "iters", Jacobians.Options.DEFAULT_MAX_ITER),
                Args.real(cl, "tol", Jacobians.Options.DEFAULT_TOL), Jacobians.Options.DEFAULT_BATCH, device);
        try (OutputDirectory dir = OutputDirectory.stage(Path.of(cl.getOptionValue("out")), "jacobian");
             TorchScriptAutoencoder map = ModelOptions.open(cl, err)) {
            if (at.startsWith("attractors:")) {
                sameModel(points.getParent(), map);
            }
            Points z = Points.readNpy(points, "points");
            if (z.dim() != map.latentDim()) {
                throw new LatentfieldException("the points " + points + " have " + z.dim() + " columns but the model's latent dimension is "
                        + map.latentDim() + ".");
            }
            EngineChoice choice = EngineChoice.choose(engine, map, cl.getOptionValue("model"));
            long start = System.nanoTime();
            Jacobians.Result r;
            try (choice) {
                choice.confirm(z); // the analytic Jacobians are the native plan's: it must compute LibTorch's f
                r = Jacobians.spectra(choice.map(), z, options);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Path model = Path.of(cl.getOptionValue("model"));
            ObjectNode s = JSON.createObjectNode();
            s.set("model", JSON.valueToTree(ModelReport.facts(map)));
            s.put("points", points.toString());
            s.put("count", r.size());
            s.put("iters", options.maxIter());
            s.put("tol", options.tol());
            s.put("device", device.spec());
            s.put("jacobians", choice.isNative() ? "analytic, " + choice.description() : map.jacobianSource());
            s.put("engine", choice.description());
            s.put("stable", r.stable());
            s.put("not_stable", r.notStable());
            s.put("undefined", r.undefined());
            ObjectNode why = s.putObject("undefined_because");
            why.put("f_not_finite", r.count(LocalStability.UNDEFINED_F));
            why.put("jacobian_not_finite", r.count(LocalStability.UNDEFINED_JACOBIAN));
            why.put("qr_not_converged", r.count(LocalStability.UNDEFINED_SPECTRUM));
            s.put("contractive", r.contractive());
            s.set("spectral_norm", distribution(r.spectralNorm()));
            s.set("spectral_radius", distribution(r.spectralRadius()));
            s.put("power_iterations_max", Arrays.stream(r.iterations()).max().orElse(0));
            s.put("seconds", seconds);
            s.put("latentfield", NativeKernels.version());
            if (at.startsWith("attractors:")) {
                complexity(Path.of(at.substring("attractors:".length())), z, r, s, dir);
            }
            try {
                Npy.writeFloat32(dir.file("spectral_norm.npy"), r.spectralNorm(), r.size());
                Npy.writeFloat32(dir.file("spectral_radius.npy"), r.spectralRadius(), r.size());
                Npy.writeInt32(dir.file("stability.npy"), r.codes(), r.size());
                dir.writeSummary(s);
            } catch (IOException e) {
                throw new LatentfieldException("cannot write the results into " + dir.target() + ": " + e.getMessage() + ".", e);
            }
            dir.commit(FILES);
            if (cl.hasOption("json")) {
                Json.print(out, s);
            } else {
                out.printf("%d points: stable (rho < 1) %d, not stable %d, undefined (f(z) or J not finite) %d; contractive (||J||_2 < 1) %d%n",
                        r.size(), r.stable(), r.notStable(), r.undefined(), r.contractive());
                if (r.undefined() == r.size()) {
                    out.println("f(z) or its Jacobian is not finite at every point: nothing is classified stable or not stable"
                            + " (stability.npy holds -1 throughout).");
                } else {
                    out.println(distributionLine("spectral norm  ", s.get("spectral_norm")));
                    out.println(distributionLine("spectral radius", s.get("spectral_radius")));
                }
                out.println("wrote " + dir.target() + String.format(" (%.2f s)", seconds));
            }
            return Main.OK;
        }
    }

    /**
     * Refuses an attractors run mined from another model: its summary.json records the sha256
     * of the model (and decoder) it ran, which must be the bytes of the model given here.
     */
    private static void sameModel(Path run, TorchScriptAutoencoder map) {
        JsonNode recorded;
        try {
            recorded = Json.read(run.resolve(OutputDirectory.SUMMARY)).path("model");
        } catch (IOException e) {
            throw new LatentfieldException("--at attractors:" + run + ": its " + OutputDirectory.SUMMARY + " cannot be read (" + e.getMessage()
                    + "); expected the output directory of 'latentfield attractors'.", e);
        }
        java.util.Map<String, Path> files = new java.util.LinkedHashMap<>();
        files.put("sha256", map.contract().model());
        map.contract().decoder().ifPresent(d -> files.put("decoder_sha256", d));
        for (java.util.Map.Entry<String, Path> f : files.entrySet()) {
            String then = recorded.path(f.getKey()).asText("");
            if (!then.isEmpty() && !then.equals(FileDigest.sha256(f.getValue()))) {
                throw new LatentfieldException("--at attractors:" + run + " was mined from another model (" + recorded.path("path").asText("?")
                        + ", sha256 " + then.substring(0, Math.min(12, then.length())) + "...) than " + f.getValue()
                        + "; its attractors are not fixed points of this one.");
            }
        }
    }

    /**
     * The iteration-complexity view of an attractors run: each converged start's iteration count
     * against log(eps / ||z_0 - z*||) / log(rho) at its attractor (eps = sqrt(tol) of the run),
     * with rho the spectral norm (the paper's bound) and the spectral radius (ours), their
     * correlations, a scatter plot, and the run's converged / capped / diverged shares.
     */
    private static void complexity(Path run, Points attractors, Jacobians.Result r, ObjectNode s, OutputDirectory dir) {
        try {
            JsonNode summary = Json.read(run.resolve("summary.json"));
            double eps = Math.sqrt(summary.get("settings").get("tol").asDouble());
            Points starts = Points.readNpy(run.resolve("starts.npy"), "starts");
            int[] iterations = Npy.read(run.resolve("iterations.npy")).toInts();
            int[] basin = Npy.read(run.resolve("basin.npy")).toInts();
            IterationComplexity c = IterationComplexity.of(starts, attractors, iterations, basin, r.spectralNorm(), r.spectralRadius(), eps);
            ObjectNode v = s.putObject("iteration_complexity");
            v.put("eps", eps);
            v.put("converged_starts", c.observed().length);
            v.put("bound_defined_norm", c.definedNorm());
            v.put("correlation_norm", c.correlationNorm());
            v.put("bound_defined_radius", c.definedRadius());
            v.put("correlation_radius", c.correlationRadius());
            double total = summary.get("samples").asDouble();
            v.put("share_converged", summary.get("converged").asDouble() / total);
            v.put("share_not_converged", summary.get("not_converged").asDouble() / total);
            v.put("share_diverged", summary.get("diverged").asDouble() / total);
            java.util.Map<String, double[][]> series = new java.util.LinkedHashMap<>();
            series.put("bound with ||J||_2", finitePairs(c.boundNorm(), c.observed()));
            series.put("estimate with rho(J)", finitePairs(c.estimateRadius(), c.observed()));
            Figures.scatter(dir.file("complexity.png"), "Iterations: observed vs log(eps/||z0 - z*||) / log(rho)", "predicted iterations",
                    "observed iterations", series);
        } catch (IOException | RuntimeException e) {
            throw new LatentfieldException("the attractors run " + run + " cannot be read for the iteration-complexity view: "
                    + e.getMessage() + ".", e);
        }
    }

    private static double[][] finitePairs(double[] x, double[] y) {
        int[] keep = java.util.stream.IntStream.range(0, x.length).filter(i -> Double.isFinite(x[i])).toArray();
        double[][] out = new double[2][keep.length];
        for (int i = 0; i < keep.length; i++) {
            out[0][i] = x[keep[i]];
            out[1][i] = y[keep[i]];
        }
        return out;
    }

    private static String distributionLine(String name, JsonNode d) {
        if (!d.has("median")) {
            return name + " not finite at any point";
        }
        return String.format("%s median %.4g (min %.4g, max %.4g)", name, d.get("median").asDouble(), d.get("min").asDouble(),
                d.get("max").asDouble());
    }

    /** min, p10, median, p90, max, mean over the finite values, and how many were not finite. */
    private static ObjectNode distribution(float[] values) {
        double[] v = new double[values.length];
        int n = 0;
        for (float x : values) {
            if (Float.isFinite(x)) {
                v[n++] = x;
            }
        }
        double[] sorted = Arrays.copyOf(v, n);
        Arrays.sort(sorted);
        ObjectNode d = JSON.createObjectNode();
        if (n > 0) {
            d.put("min", sorted[0]);
            d.put("p10", sorted[(int) Math.floor(0.1 * (n - 1))]);
            d.put("median", sorted[(n - 1) / 2]);
            d.put("p90", sorted[(int) Math.ceil(0.9 * (n - 1))]);
            d.put("max", sorted[n - 1]);
            d.put("mean", Arrays.stream(sorted).average().orElse(0));
        }
        d.put("not_finite", values.length - n);
        return d;
    }
}
