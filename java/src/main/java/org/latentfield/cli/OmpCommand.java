package org.latentfield.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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
import org.latentfield.data.Npy;
import org.latentfield.data.Points;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.report.FileDigest;
import org.latentfield.report.Json;
import org.latentfield.report.OutputDirectory;
import org.latentfield.sparse.BatchOmp;

/** {@code latentfield omp}: sparse codes of many signals over a dictionary by Batch-OMP. */
final class OmpCommand implements Main.Command {
    static final List<String> FILES = List.of("support.npy", "coef.npy", "residual.npy", "summary.json");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String summary() {
        return "orthogonal matching pursuit of many signals over a dictionary (atoms of any norm: selection by |<d, r>| / ||d||)";
    }

    @Override
    public String synopsis() {
        return "latentfield omp --dictionary D.npy --signals X.npy --atoms S --out DIR [options]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("dictionary").hasArg().argName("D.npy").required().desc("atoms as rows, N x dim float32/float64").build());
        o.addOption(Option.builder().longOpt("signals").hasArg().argName("X.npy").required().desc("signals as rows, M x dim float32/float64").build());
        o.addOption(Option.builder().longOpt("atoms").hasArg().argName("S").required().desc("atoms per signal, at most N").build());
        o.addOption(Option.builder().longOpt("tol").hasArg().argName("R").desc("also stop once the residual norm ||x - D_I^T gamma||_2 <= R (default 0: off)").build());
        o.addOption(Option.builder().longOpt("device").hasArg().argName("cpu|cuda|auto").desc("where the kernel runs (default auto)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                .desc("output directory: support.npy (M x S int32, selection order, -1 after an early stop), coef.npy (M x S float32),"
                        + " residual.npy (M float32), summary.json").build());
        o.addOption(Option.builder().longOpt("json").desc("print summary.json to stdout").build());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = Args.parse(options(), args);
        BatchOmp.Options options = new BatchOmp.Options(Args.integer(cl, "atoms", 0), Args.real(cl, "tol", 0.0),
                Device.resolve(cl.getOptionValue("device", "auto")));
        Path dictionaryPath = Path.of(cl.getOptionValue("dictionary"));
        Path signalsPath = Path.of(cl.getOptionValue("signals"));
        Points dictionary = Points.readNpy(dictionaryPath, "dictionary");
        Points signals = Points.readNpy(signalsPath, "signals");
        try (OutputDirectory dir = OutputDirectory.stage(Path.of(cl.getOptionValue("out")), "omp")) {
            long start = System.nanoTime();
            BatchOmp.Result r = BatchOmp.solve(dictionary, signals, options);
            double seconds = (System.nanoTime() - start) / 1e9;
            ObjectNode summary = summary(dictionaryPath, dictionary, signalsPath, signals, options, r, seconds);
            try {
                Npy.writeInt32(dir.file("support.npy"), r.support(), r.signals(), r.atoms());
                Npy.writeFloat32(dir.file("coef.npy"), r.coef(), r.signals(), r.atoms());
                Npy.writeFloat32(dir.file("residual.npy"), r.residual(), r.signals());
                dir.writeSummary(summary);
            } catch (IOException e) {
                throw new LatentfieldException("cannot write the results into " + dir.target() + ": " + e.getMessage() + ".", e);
            }
            dir.commit(FILES);
            if (cl.hasOption("json")) {
                Json.print(out, summary);
            } else {
                out.printf("omp: %d signals x %d atoms of %d (dim %d) on %s in %.3f s; mean residual %.6g, mean atoms used %.2f%n",
                        r.signals(), r.atoms(), dictionary.n(), dictionary.dim(), options.device().spec(), seconds,
                        summary.get("residual_mean").asDouble(), summary.get("atoms_used_mean").asDouble());
                out.println("wrote " + dir.target());
            }
            return Main.OK;
        }
    }

    private static ObjectNode summary(Path dictionaryPath, Points dictionary, Path signalsPath, Points signals, BatchOmp.Options o,
                                      BatchOmp.Result r, double seconds) {
        ObjectNode s = JSON.createObjectNode();
        s.put("dictionary", dictionaryPath.toString());
        s.put("dictionary_sha256", FileDigest.sha256(dictionaryPath));
        s.put("atoms_in_dictionary", dictionary.n());
        s.put("dim", dictionary.dim());
        s.put("signals", signalsPath.toString());
        s.put("signals_sha256", FileDigest.sha256(signalsPath));
        s.put("signal_count", signals.n());
        s.put("max_atoms", o.atoms());
        s.put("tol", o.tol());
        s.put("device", o.device().spec());
        s.put("gemm", NativeKernels.gemmProviders());
        double residual = 0, used = 0;
        for (int i = 0; i < r.signals(); i++) {
            residual += r.residual()[i];
            used += r.used(i);
        }
        s.put("residual_mean", r.signals() == 0 ? 0 : residual / r.signals());
        s.put("atoms_used_mean", r.signals() == 0 ? 0 : used / r.signals());
        s.put("seconds", seconds);
        s.put("latentfield", NativeKernels.version());
        return s;
    }
}
