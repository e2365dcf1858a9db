package org.latentfield.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Npy;
import org.latentfield.dynamics.Attractors;
import org.latentfield.dynamics.FixedPointResult;
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
            "converged.npy", "attractors.npy", "basin.npy", "trajectories.npy", "items.npy");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AttractorReport() {}

    /**
     * Builds the summary.
     *
     * @param model    the model's facts ({@link ModelReport#facts})
     * @param settings every setting of the run, in the order to print them
     */
    public static ObjectNode summary(Map<String, Object> model, Map<String, Object> settings, FixedPointResult result, Attractors attractors,
                                     String version) {
        ObjectNode root = JSON.createObjectNode();
        root.put("latentfield_version", version);
        root.put("command", "attractors");
        root.set("model", JSON.valueToTree(model));
        root.set("settings", JSON.valueToTree(settings));
        root.put("samples", result.size());
        root.put("converged", result.count(PointState.CONVERGED));
        root.put("not_converged", result.count(PointState.NOT_CONVERGED));
        root.put("diverged", result.count(PointState.DIVERGED));
        IterationStats it = IterationStats.of(result.iterations());
        ObjectNode its = root.putObject("iterations");
        its.put("over", "all points");
        its.put("mean", it.mean());
        its.put("median", it.median());
        its.put("p90", it.p90());
        its.put("p99", it.p99());
        its.put("max", it.max());
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
        }
        ObjectNode timing = root.putObject("timing");
        timing.put("seconds", result.seconds());
        timing.put("point_iterations", result.pointIterations());
        timing.put("point_iterations_per_second", result.pointIterationsPerSecond());
        return root;
    }

    /** Writes summary.json and the arrays into the staged output directory. */
    public static void write(OutputDirectory out, ObjectNode summary, FixedPointResult result, Attractors attractors) {
        int n = result.size();
        int k = result.endpoints().dim();
        try {
            Npy.writeFloat32(out.file("starts.npy"), result.starts().data(), n, k);
            if (result.endpoints64() != null) {
                Npy.writeFloat64(out.file("endpoints.npy"), result.endpoints64(), n, k);
            } else {
                Npy.writeFloat32(out.file("endpoints.npy"), result.endpoints().data(), n, k);
            }
            Npy.writeInt32(out.file("iterations.npy"), result.iterations(), n);
            boolean[] converged = new boolean[n];
            for (int i = 0; i < n; i++) {
                converged[i] = result.converged(i);
            }
            Npy.writeBool(out.file("converged.npy"), converged, n);
            int a = attractors.count();
            if (result.endpoints64() != null) {
                double[] points = new double[a * k];
                for (int i = 0; i < a; i++) {
                    Attractors.Attractor at = attractors.attractors().get(i);
                    if (at.polished64() != null) {
                        System.arraycopy(at.polished64(), 0, points, i * k, k);
                    } else {
                        System.arraycopy(result.endpoints64(), at.representative() * k, points, i * k, k);
                    }
                }
                Npy.writeFloat64(out.file("attractors.npy"), points, a, k);
            } else {
                float[] points = new float[a * k];
                for (int i = 0; i < a; i++) {
                    System.arraycopy(attractors.attractors().get(i).point(), 0, points, i * k, k);
                }
                Npy.writeFloat32(out.file("attractors.npy"), points, a, k);
            }
            Npy.writeInt32(out.file("basin.npy"), attractors.basin(), n);
            if (result.trajectories() != null) {
                Npy.writeFloat32(out.file("trajectories.npy"), result.trajectories(), n, result.slots(), k);
            }
            out.writeSummary(summary);
        } catch (IOException e) {
            throw new LatentfieldException("output directory " + out.target() + " could not receive the results (" + e.getMessage()
                    + "); nothing was changed in it.", e);
        }
    }

    /** items.npy: the index in its data set of the item each start was encoded from. */
    public static void writeItems(OutputDirectory out, int[] items) {
        try {
            Npy.writeInt32(out.file("items.npy"), items, items.length);
        } catch (IOException e) {
            throw new LatentfieldException("output directory " + out.target() + " could not receive the results (" + e.getMessage()
                    + "); nothing was changed in it.", e);
        }
    }
}
