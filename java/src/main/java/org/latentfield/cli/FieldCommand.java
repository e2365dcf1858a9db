package org.latentfield.cli;

import org.latentfield.mining.EngineChoice;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.analysis.VectorField;
import org.latentfield.data.Datasets;
import org.latentfield.data.ImageSet;
import org.latentfield.data.Npy;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.Attractors;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.dynamics.AttractorRule;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.map.LatentMap;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.report.Json;
import org.latentfield.report.ModelReport;
import org.latentfield.report.Figures;
import org.latentfield.report.OutputDirectory;

/** {@code latentfield field}: the vector field V(z) = f(z) - z on a plane, as arrays and a figure (paper figure 1). */
final class FieldCommand implements Main.Command {
    static final List<String> FILES = List.of("field.png", "summary.json", "grid.npy", "field.npy", "magnitude.npy", "basin.npy",
            "plane_origin.npy", "plane_basis.npy");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String summary() {
        return "the latent vector field V(z) = f(z) - z on a 2-D grid (k = 2 directly, else on a plane), with its attractors";
    }

    @Override
    public String synopsis() {
        return "latentfield field --model PATH --out DIR [--range LO:HI] [--grid G] [--plane axes|pca|attractors] [options]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        ModelOptions.add(o);
        o.addOption(Option.builder().longOpt("range").hasArg().argName("LO:HI").desc("plane coordinates covered, both axes, or auto: -R:R with R"
                + " 15% beyond the farthest attractor of --samples N(0, I) starts on the plane (at least 3; the default)").build());
        o.addOption(Option.builder().longOpt("grid").hasArg().argName("G").desc("G x G grid points (default 40)").build());
        o.addOption(Option.builder().longOpt("plane").hasArg().argName("axes|pca|attractors")
                .desc("for k > 2: the first two axes, the principal plane of --data's latent codes, or the plane through the three"
                        + " largest-basin attractors from --samples noise starts (default: axes for k = 2, else pca with --data, else attractors)").build());
        o.addOption(Option.builder().longOpt("data").hasArg().argName("NAME:SPLIT").desc("data whose latent codes define the pca plane").build());
        o.addOption(Option.builder().longOpt("samples").hasArg().argName("N").desc("items of --data or noise starts for the plane and for --range auto (default 500)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed of the noise starts (default 0)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                .desc("output directory: field.png, summary.json, grid.npy (G*G x 2 plane coordinates), field.npy (G*G x k, V),"
                        + " magnitude.npy (G*G, |V|), basin.npy (G*G, attractor reached from each grid point, -1 if none)").build());
        o.addOption(Option.builder().longOpt("json").desc("print summary.json to stdout").build());
        MergeOption.add(o);
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = Args.parse(options(), args);
        String rangeSpec = cl.getOptionValue("range", "auto");
        double[] range = rangeSpec.equals("auto") ? null : range(rangeSpec);
        int g = Args.integer(cl, "grid", 40);
        if (g < 2 || g > 400) {
            throw new LatentfieldException("--grid must be between 2 and 400, got " + g + ".");
        }
        int samples = Args.integer(cl, "samples", 500);
        if (samples < 3) {
            throw new LatentfieldException("--samples must be at least 3, got " + samples + ".");
        }
        String engine = EngineOption.spec(cl);
        AttractorRule rule = MergeOption.parse(cl);
        String planeKind = cl.getOptionValue("plane");
        if (planeKind != null && !List.of("axes", "pca", "attractors").contains(planeKind)) {
            throw new LatentfieldException("--plane must be axes, pca or attractors, got '" + planeKind + "'.");
        }
        if ("pca".equals(planeKind) && !cl.hasOption("data")) {
            throw new LatentfieldException("--plane pca needs --data NAME:SPLIT, whose latent codes define the plane.");
        }
        try (OutputDirectory dir = OutputDirectory.stage(Path.of(cl.getOptionValue("out")), "field");
             TorchScriptAutoencoder torchMap = ModelOptions.open(cl, err)) {
            int k = torchMap.latentDim();
            String kind = planeKind != null ? planeKind : k == 2 ? "axes" : cl.hasOption("data") ? "pca" : "attractors";
            try (EngineChoice choice = EngineChoice.choose(engine, torchMap, cl.getOptionValue("model"))) {
                FixedPointSolver.Options solver = new FixedPointSolver.Options(FixedPointSolver.Options.DEFAULT_TOL,
                        FixedPointSolver.Options.DEFAULT_MAX_ITER, FixedPointSolver.Options.DEFAULT_DIVERGENCE_BOUND, 1024, 0);
                // the attractors of --samples N(0, I) starts, mined once when the plane or the range needs them
                Attractors noise = kind.equals("attractors") || range == null ? rule.apply(choice.solve(
                        StartPoints.gaussian(samples, k, 1.0, Args.longValue(cl, "seed", 0)), solver), torchMap) : null;
                Points planeCodes = kind.equals("pca") ? codes(torchMap, cl.getOptionValue("data"), samples, err) : null;
                VectorField.Plane plane = switch (kind) {
                    case "axes" -> VectorField.axes(k);
                    case "pca" -> VectorField.principal(planeCodes);
                    default -> throughAttractors(noise, samples);
                };
                if (range == null) {
                    range = autoRange(noise, plane);
                }
                LatentMap gridMap = choice.map();
                VectorField.Grid grid = VectorField.evaluate(gridMap, plane, range[0], range[1], g);
                FixedPointResult run = choice.solve(grid.points(), solver);
                if (choice.map() != gridMap) { // the native engine failed its check: the field comes from LibTorch too
                    grid = VectorField.evaluate(choice.map(), plane, range[0], range[1], g);
                }
                Attractors attractors = rule.apply(run, torchMap);
                write(dir, cl, torchMap, choice, plane, planeCodes == null ? 0 : planeCodes.n(), grid, attractors, range, g, out);
                return Main.OK;
            }
        }
    }

    private void write(OutputDirectory dir, CommandLine cl, TorchScriptAutoencoder map, EngineChoice choice, VectorField.Plane plane,
                       int planeItems, VectorField.Grid grid, Attractors attractors, double[] range, int g, PrintStream out) {
        int n = g * g, k = map.latentDim();
        double[] ux = new double[n], wy = new double[n];
        double[] coords = new double[2 * n];
        for (int p = 0; p < n; p++) {
            ux[p] = grid.along()[2 * p];
            wy[p] = grid.along()[2 * p + 1];
            coords[2 * p] = grid.xs()[p % g];
            coords[2 * p + 1] = grid.ys()[p / g];
        }
        double[][] marks = new double[2][attractors.count()];
        ObjectNode s = JSON.createObjectNode();
        Path model = Path.of(cl.getOptionValue("model"));
        s.set("model", JSON.valueToTree(ModelReport.facts(map)));
        s.put("latent_dim", k);
        s.put("engine", choice.description());
        s.put("merge", attractors.merge());
        s.put("plane", plane.kind());
        if (planeItems > 0) {
            s.put("plane_data", cl.getOptionValue("data"));
            s.put("plane_data_items", "the first " + planeItems + " items (indices 0.." + (planeItems - 1) + ")");
        }
        s.put("plane_map", "grid point (x, y) is the latent z = plane_origin + x * plane_basis[0] + y * plane_basis[1]");
        s.set("plane_origin", JSON.valueToTree(plane.origin()));
        s.set("plane_basis", JSON.valueToTree(new float[][] {plane.u(), plane.w()}));
        s.put("range_lo", range[0]);
        s.put("range_hi", range[1]);
        s.put("grid", g);
        double maxMag = 0, meanMag = 0;
        for (double m : grid.magnitude()) {
            maxMag = Math.max(maxMag, m);
            meanMag += m / n;
        }
        s.put("magnitude_max", maxMag);
        s.put("magnitude_mean", meanMag);
        s.put("grid_points_converged", java.util.Arrays.stream(attractors.basin()).filter(b -> b >= 0).count());
        ArrayNode list = s.putArray("attractors");
        for (int a = 0; a < attractors.count(); a++) {
            float[] p = attractors.attractors().get(a).point();
            double[] c = plane.coordinates(p, 0);
            marks[0][a] = c[0];
            marks[1][a] = c[1];
            ObjectNode o = list.addObject();
            o.put("x", c[0]).put("y", c[1]).put("distance_to_plane", plane.distance(p, 0)).put("basin_on_grid", attractors.attractors().get(a).basinSize());
        }
        Figures.vectorField(dir.file("field.png"), "V(z) = f(z) - z of " + model.getFileName() + " (" + plane.kind() + " plane)",
                grid.xs(), grid.ys(), ux, wy, marks);
        try {
            Npy.writeFloat64(dir.file("grid.npy"), coords, n, 2);
            Npy.writeFloat32(dir.file("plane_origin.npy"), plane.origin(), k);
            float[] basis = new float[2 * k];
            System.arraycopy(plane.u(), 0, basis, 0, k);
            System.arraycopy(plane.w(), 0, basis, k, k);
            Npy.writeFloat32(dir.file("plane_basis.npy"), basis, 2, k);
            Npy.writeFloat32(dir.file("field.npy"), grid.field().data(), n, k);
            Npy.writeFloat64(dir.file("magnitude.npy"), grid.magnitude(), n);
            Npy.writeInt32(dir.file("basin.npy"), attractors.basin(), n);
            dir.writeSummary(s);
        } catch (IOException e) {
            throw new LatentfieldException("cannot write the results into " + dir.target() + ": " + e.getMessage() + ".", e);
        }
        dir.commit(FILES);
        if (cl.hasOption("json")) {
            Json.print(out, s);
        } else {
            out.printf("field of %s on the %s plane, %d x %d grid over [%g, %g]^2: |V| max %.4g, mean %.4g%n", model.getFileName(),
                    plane.kind(), g, g, range[0], range[1], maxMag, meanMag);
            out.printf("%d attractors reached from the grid (engine %s); wrote %s%n", attractors.count(), choice.description(), dir.target());
        }
    }

    private static Points codes(TorchScriptAutoencoder map, String spec, int n, PrintStream err) {
        ImageSet data = ModelData.load(Datasets.defaults(), spec, map.contract(), err);
        int m = Math.min(n, data.count());
        return new Points(m, map.latentDim(), map.encode(data, java.util.stream.IntStream.range(0, m).toArray()));
    }

    private static VectorField.Plane throughAttractors(Attractors a, int samples) {
        if (a.count() < 3) {
            throw new LatentfieldException("--plane attractors needs three attractors but " + samples + " noise starts reached "
                    + a.count() + "; use --plane axes or --plane pca --data NAME:SPLIT.");
        }
        try {
            return VectorField.through(a.attractors().get(0).point(), a.attractors().get(1).point(), a.attractors().get(2).point());
        } catch (IllegalArgumentException e) {
            throw new LatentfieldException("--plane attractors: " + e.getMessage() + "; use --plane axes or pca.");
        }
    }

    /** -R:R with R = max(3, ceil(1.15 max |plane coordinate| of the attractors of N(0, I) starts)). */
    private static double[] autoRange(Attractors a, VectorField.Plane plane) {
        double r = 0;
        for (int i = 0; i < a.count(); i++) {
            for (double c : plane.coordinates(a.attractors().get(i).point(), 0)) {
                r = Math.max(r, Math.abs(c));
            }
        }
        double half = Math.max(3, Math.ceil(1.15 * r));
        return new double[] {-half, half};
    }

    private static double[] range(String spec) {
        String[] p = spec.split(":");
        try {
            if (p.length == 2) {
                double lo = Double.parseDouble(p[0]), hi = Double.parseDouble(p[1]);
                if (lo < hi && Double.isFinite(lo) && Double.isFinite(hi)) {
                    return new double[] {lo, hi};
                }
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new LatentfieldException("--range must be LO:HI with LO < HI, e.g. -8:8, got '" + spec + "'.");
    }
}
