package org.latentfield.cli;

import org.latentfield.mining.EngineChoice;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.analysis.Probing;
import org.latentfield.data.Datasets;
import org.latentfield.data.ImageSet;
import org.latentfield.data.Npy;
import org.latentfield.data.Points;
import org.latentfield.data.Subsets;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.kernels.Device;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.report.Json;
import org.latentfield.report.ModelReport;
import org.latentfield.report.Figures;
import org.latentfield.report.OutputDirectory;

/**
 * {@code latentfield probe}: data-free weight probing (PAPER.md section 4.1): attractors reached
 * from N(0, I) starts as an OMP dictionary for the latent codes of held-out data, against a
 * random orthonormal basis (the paper's baseline) and the principal directions of training
 * latents (ours).
 */
final class ProbeCommand implements Main.Command {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String summary() {
        return "data-free probing: noise attractors as an OMP dictionary vs a random orthonormal basis and PCA of training latents";
    }

    @Override
    public String synopsis() {
        return "latentfield probe --model PATH --out DIR [--data DATA] [--train DATA] [--atoms 1,2,4,...] [--dictionary-size N] [options]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        ModelOptions.add(o);
        o.addOption(Option.builder().longOpt("data").hasArg().argName("DATA").desc("held-out samples to reconstruct (default fashion-mnist:test)").build());
        o.addOption(Option.builder().longOpt("train").hasArg().argName("DATA").desc("training data for the PCA baseline (default fashion-mnist:train)").build());
        o.addOption(Option.builder().longOpt("samples").hasArg().argName("N").desc("held-out samples (default 1000) and training samples (5x)").build());
        o.addOption(Option.builder().longOpt("atoms").hasArg().argName("S,...").desc("sparsity levels (default 1, 2, 4, ... up to k)").build());
        o.addOption(Option.builder().longOpt("dictionary-size").hasArg().argName("N").desc("noise starts, each iterated to its attractor (default 4k)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed of the starts, the basis and the subsets (default 0)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                .desc("output directory: summary.json, mse.png, reconstructions.png (originals and their"
                        + " reconstructions from s atoms of each basis), dictionary.npy (unit-norm attractors), items.npy (the --data items"
                        + " drawn), train_items.npy (the --train items drawn)").build());
        o.addOption(Option.builder().longOpt("json").desc("print summary.json to stdout").build());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = Args.parse(options(), args);
        int samples = Args.samples(cl, 1000);
        long seed = Args.longValue(cl, "seed", 0);
        String engine = EngineOption.spec(cl);
        Datasets registry = Datasets.defaults();
        try (OutputDirectory dir = OutputDirectory.stage(Path.of(cl.getOptionValue("out")), "probe");
             TorchScriptAutoencoder map = ModelOptions.open(cl, err)) {
            int k = map.latentDim();
            int dictSize = Args.integer(cl, "dictionary-size", 4 * k);
            if (dictSize < 1) {
                throw new LatentfieldException("--dictionary-size must be positive, got " + dictSize + ".");
            }
            int[] levels = levels(cl.getOptionValue("atoms"), k);
            Points dictionary;
            String engineUsed;
            try (EngineChoice choice = EngineChoice.choose(engine, map, cl.getOptionValue("model"))) {
                Points starts = StartPoints.gaussian(dictSize, k, 1.0, seed);
                FixedPointSolver.Options o = FixedPointSolver.Options.defaults();
                FixedPointResult r = choice.solve(starts, o);
                engineUsed = choice.description();
                dictionary = unitConverged(r, k);
            }
            if (dictionary.n() == 0) {
                throw new LatentfieldException("none of the " + dictSize + " noise starts converged; there is no dictionary.");
            }
            ImageSet data = ModelData.load(registry, cl.getOptionValue("data", "fashion-mnist:test"), map.contract(), err);
            ImageSet train = ModelData.load(registry, cl.getOptionValue("train", "fashion-mnist:train"), map.contract(), err);
            int[] rows = Subsets.seeded(data.count(), samples, seed + 1);
            Points codes = new Points(rows.length, k, map.encode(data, rows));
            int[] trainRows = Subsets.seeded(train.count(), 5 * samples, seed + 2);
            Points trainCodes = new Points(trainRows.length, k, map.encode(train, trainRows));
            Points basis = Probing.randomOrthonormalBasis(k, seed);
            Points pca = Probing.principalDirections(trainCodes, k);
            float[] mean = trainCodes.meanFloat();
            Map<String, double[][]> curves = new LinkedHashMap<>();
            ObjectNode s = JSON.createObjectNode();
            Path model = Path.of(cl.getOptionValue("model"));
            s.set("model", JSON.valueToTree(ModelReport.facts(map)));
            s.put("engine", engineUsed);
            s.put("data", cl.getOptionValue("data", "fashion-mnist:test"));
            s.put("train", cl.getOptionValue("train", "fashion-mnist:train"));
            s.put("noise_starts", dictSize);
            s.put("dictionary_atoms", dictionary.n());
            s.put("samples", rows.length);
            s.put("metric", "pixel MSE of D(reconstructed code) against the image, mean over samples");
            s.put("baseline_reference_mse", pixelMse(map, data, rows, codes));
            ArrayNode table = s.putArray("levels");
            double[][] attractorCurve = new double[2][levels.length], basisCurve = new double[2][levels.length], pcaCurve = new double[2][levels.length];
            for (int li = 0; li < levels.length; li++) {
                int a = levels[li];
                double mAttr = a <= dictionary.n() ? pixelMse(map, data, rows, Probing.reconstruct(dictionary, codes, a, Device.CPU)) : Double.NaN;
                double mBasis = pixelMse(map, data, rows, Probing.reconstruct(basis, codes, a, Device.CPU));
                double mPca = pixelMse(map, data, rows, projectPca(codes, pca, mean, a));
                attractorCurve[0][li] = basisCurve[0][li] = pcaCurve[0][li] = a;
                attractorCurve[1][li] = mAttr;
                basisCurve[1][li] = mBasis;
                pcaCurve[1][li] = mPca;
                table.addObject().put("atoms", a).put("noise_attractors", mAttr).put("random_orthonormal_basis", mBasis).put("pca_of_training_latents", mPca);
            }
            curves.put("noise attractors (OMP)", attractorCurve);
            curves.put("random orthonormal basis (OMP)", basisCurve);
            curves.put("PCA of training latents", pcaCurve);
            Figures.lines(dir.file("mse.png"), "Reconstruction from s atoms: " + model.getFileName(), "atoms s", "pixel MSE", curves);
            int shownAtoms = montageAtoms(levels, k, dictionary.n());
            s.put("montage_atoms", shownAtoms);
            montage(dir, map, data, rows, codes, shownAtoms, dictionary, basis, pca, mean);
            try {
                Npy.writeFloat32(dir.file("dictionary.npy"), dictionary.data(), dictionary.n(), k);
                Npy.writeInt32(dir.file("items.npy"), rows, rows.length);
                Npy.writeInt32(dir.file("train_items.npy"), trainRows, trainRows.length);
                dir.writeSummary(s);
            } catch (IOException e) {
                throw new LatentfieldException("cannot write the results into " + dir.target() + ": " + e.getMessage() + ".", e);
            }
            dir.commit(List.of("summary.json", "mse.png", "reconstructions.png", "dictionary.npy", "items.npy", "train_items.npy"));
            if (cl.hasOption("json")) {
                Json.print(out, s);
            } else {
                out.printf("%d atoms from %d noise starts; pixel MSE of %d held-out samples (full code: %.5f)%n", dictionary.n(), dictSize,
                        rows.length, s.get("baseline_reference_mse").asDouble());
                out.printf("%6s  %16s  %16s  %16s%n", "atoms", "noise attractors", "random basis", "PCA (train)");
                for (int li = 0; li < levels.length; li++) {
                    out.printf("%6d  %16.5f  %16.5f  %16.5f%n", levels[li], attractorCurve[1][li], basisCurve[1][li], pcaCurve[1][li]);
                }
                out.println("wrote " + dir.target());
            }
            return Main.OK;
        }
    }

    /** The sparsity shown in the montage: the smallest level of at least k / 4 atoms that the dictionary can supply. */
    private static int montageAtoms(int[] levels, int k, int atoms) {
        int shown = levels[0];
        for (int a : levels) {
            if (a <= atoms) {
                shown = a;
                if (a >= Math.max(1, k / 4)) {
                    break;
                }
            }
        }
        return shown;
    }

    /**
     * reconstructions.png (paper figure 4): up to 10 held-out images, their full-code
     * reconstructions D(E(x)) and their reconstructions from {@code s} atoms of each basis.
     * Colour images are drawn in colour.
     */
    private static void montage(OutputDirectory dir, TorchScriptAutoencoder map, ImageSet data, int[] rows, Points codes, int s,
                                Points dictionary, Points basis, Points pca, float[] mean) {
        int n = Math.min(10, rows.length);
        Points shown = codes.rows(0, n);
        Map<String, float[][]> grid = new LinkedHashMap<>();
        float[][] originals = new float[n][];
        for (int i = 0; i < n; i++) {
            originals[i] = java.util.Arrays.copyOfRange(data.pixels(), rows[i] * data.imageSize(), (rows[i] + 1) * data.imageSize());
        }
        grid.put("original", originals);
        grid.put("full code D(E(x))", decoded(map, shown, data));
        if (s <= dictionary.n()) {
            grid.put("noise attractors, s = " + s, decoded(map, Probing.reconstruct(dictionary, shown, s, Device.CPU), data));
        }
        grid.put("random basis, s = " + s, decoded(map, Probing.reconstruct(basis, shown, s, Device.CPU), data));
        grid.put("PCA (train), s = " + s, decoded(map, projectPca(shown, pca, mean, s), data));
        Figures.montage(dir.file("reconstructions.png"), grid, data.channels(), data.height(), data.width(), 3);
    }

    private static float[][] decoded(TorchScriptAutoencoder map, Points codes, ImageSet data) {
        Points images = new Points(codes.n(), data.imageSize(), map.decodeImages(codes.data(), codes.n(), data.imageSize()));
        float[][] each = new float[codes.n()][];
        for (int i = 0; i < codes.n(); i++) {
            each[i] = images.row(i);
        }
        return each;
    }


    /** Converged endpoints scaled to unit norm (OMP proper wants unit atoms); zero endpoints dropped. */
    private static Points unitConverged(FixedPointResult r, int k) {
        List<float[]> atoms = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
            if (!r.converged(i)) {
                continue;
            }
            float[] z = r.endpoints().row(i);
            double n = 0;
            for (float x : z) {
                n += (double) x * x;
            }
            if (n > 0) {
                for (int j = 0; j < k; j++) {
                    z[j] /= (float) Math.sqrt(n);
                }
                atoms.add(z);
            }
        }
        float[] d = new float[atoms.size() * k];
        for (int i = 0; i < atoms.size(); i++) {
            System.arraycopy(atoms.get(i), 0, d, i * k, k);
        }
        return new Points(atoms.size(), k, d);
    }

    /** mean + the projection of (z - mean) on the top-s principal directions. */
    private static Points projectPca(Points codes, Points pca, float[] mean, int s) {
        int k = codes.dim();
        float[] out = new float[codes.n() * k];
        for (int i = 0; i < codes.n(); i++) {
            System.arraycopy(mean, 0, out, i * k, k);
            for (int d = 0; d < Math.min(s, pca.n()); d++) {
                double c = 0;
                for (int j = 0; j < k; j++) {
                    c += (codes.get(i, j) - mean[j]) * pca.get(d, j);
                }
                for (int j = 0; j < k; j++) {
                    out[i * k + j] += (float) (c * pca.get(d, j));
                }
            }
        }
        return new Points(codes.n(), k, out);
    }

    private static double pixelMse(TorchScriptAutoencoder map, ImageSet data, int[] rows, Points codes) {
        int size = data.imageSize();
        float[] images = map.decodeImages(codes.data(), codes.n(), size);
        double e = 0;
        for (int i = 0; i < rows.length; i++) {
            for (int q = 0; q < size; q++) {
                double d = images[i * size + q] - data.pixels()[rows[i] * size + q];
                e += d * d;
            }
        }
        return e / ((double) rows.length * size);
    }

    private static int[] levels(String spec, int k) {
        if (spec == null) {
            List<Integer> l = new ArrayList<>();
            for (int a = 1; a < k; a *= 2) {
                l.add(a);
            }
            l.add(k);
            return l.stream().mapToInt(Integer::intValue).toArray();
        }
        try {
            int[] l = java.util.Arrays.stream(spec.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
            for (int a : l) {
                if (a < 1 || a > k) {
                    throw new LatentfieldException("--atoms values must be in [1, k = " + k + "], got " + a + ".");
                }
            }
            return l;
        } catch (NumberFormatException e) {
            throw new LatentfieldException("--atoms must be comma-separated integers such as 1,2,4, got '" + spec + "'.");
        }
    }
}
