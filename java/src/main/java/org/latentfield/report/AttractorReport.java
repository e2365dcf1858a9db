package org.latentfield.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.latentfield.data.Npy;
import org.latentfield.dynamics.Attractors;
import org.latentfield.dynamics.FixedPointKind;
import org.latentfield.mining.RunTally;
import org.latentfield.dynamics.PointState;

/**
 * The files of an attractor-mining run: summary.json and the NumPy arrays starts.npy,
 * endpoints.npy (float32, N x k; float64 when the iterates were kept in float64, see the model's
 * iteration_dtype), iterations.npy (int32, N), converged.npy (bool, N), attractors.npy (A x k,
 * the dtype of endpoints.npy), basin.npy (int32, N; -1 when not converged) and, when
 * trajectories were recorded, trajectories.npy (float32, N x S x k); with starts drawn from a
 * data set, items.npy (int32, N: the index of each start's item in the set).
 */
public final class AttractorReport {
    /** Every file a run may write: the ones a run does not write are stale leftovers. */
    public static final List<String> FILES = List.of("summary.json", "starts.npy", "endpoints.npy", "iterations.npy",
            "converged.npy", "attractors.npy", "basin.npy", "trajectories.npy", "items.npy", "fixed_points.npy", "fixed_point_kind.npy",
            "evaluations.npy", "residual.npy");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AttractorReport() {}

    /**
     * Builds the summary.
     *
     * @param model    the model's facts ({@link ModelReport#facts})
     * @param settings every setting of the run, in the order to print them
     */
    public static ObjectNode summary(Map<String, Object> model, Map<String, Object> settings, RunTally result, Attractors attractors,
                                     String version) {
        ObjectNode root = JSON.createObjectNode();
        root.put("latentfield_version", version);
        root.put("command", "attractors");
        root.set("model", JSON.valueToTree(model));
        root.set("settings", JSON.valueToTree(settings));
        root.put("samples", result.samples());
        root.put("converged", result.count(PointState.CONVERGED));
        root.put("not_converged", result.count(PointState.NOT_CONVERGED));
        root.put("diverged", result.count(PointState.DIVERGED));
        putStats(root.putObject("iterations"), "all points", result.iterations());
        root.put("solver", result.solver());
        putStats(root.putObject("evaluations"), "all points", result.evaluations());
        if (result.jacobianEvaluations() != null) {
            putStats(root.putObject("jacobian_evaluations"), "all points", result.jacobianEvaluations());
        }
        root.put("merge_rule", attractors.merge());
        root.put("attractor_count", attractors.count());
        ArrayNode list = root.putArray("attractors");
        for (int a = 0; a < attractors.count(); a++) {
            Attractors.Attractor at = attractors.attractors().get(a);
            ObjectNode o = list.addObject();
            o.put("index", a);
            ArrayNode p = o.putArray("point");
            for (float v : at.point()) {
                p.add(v);
            }
            o.put("basin_size", at.basinSize());
            o.put("mean_iterations", at.meanIterations());
            if (!Double.isNaN(at.rho())) {
                o.put("rho", at.rho());
            }
        }
        if (attractors.merge().startsWith("identity")) {
            ObjectNode kinds = root.putObject("fixed_point_kinds");
            for (FixedPointKind kind : FixedPointKind.values()) {
                ObjectNode o = kinds.putObject(kind.label());
                o.put("count", attractors.count(kind));
                o.put("starts", attractors.startsAt(kind));
            }
            ArrayNode others = root.putArray("other_fixed_points");
            for (int f = 0; f < attractors.others().size(); f++) {
                Attractors.FixedPoint fp = attractors.others().get(f);
                ObjectNode o = others.addObject();
                o.put("index", f);
                o.put("kind", fp.kind().label());
                o.put("rho", fp.rho());
                o.put("starts", fp.starts());
                ArrayNode p = o.putArray("point");
                for (float v : fp.point()) {
                    p.add(v);
                }
            }
        }
        ObjectNode timing = root.putObject("timing");
        timing.put("seconds", result.seconds());
        timing.put("point_iterations", result.pointIterations());
        timing.put("point_iterations_per_second", result.pointIterationsPerSecond());
        return root;
    }

    /** mean, median, p90, p99 and max of per-point counts. */
    public static void putStats(ObjectNode o, String over, int[] values) {
        putStats(o, over, IterationStats.of(values));
    }

    /** mean, median, p90, p99 and max of per-point counts. */
    public static void putStats(ObjectNode o, String over, IterationStats it) {
        o.put("over", over);
        o.put("mean", it.mean());
        o.put("median", it.median());
        o.put("p90", it.p90());
        o.put("p99", it.p99());
        o.put("max", it.max());
    }

    /** items.npy: the index in its data set of the item each start was encoded from. */
    public static void writeItems(OutputDirectory out, int[] items) {
        try {
            Npy.writeInt32(out.file("items.npy"), items, items.length);
        } catch (IOException e) {
            throw out.couldNotReceive(e);
        }
    }
}
