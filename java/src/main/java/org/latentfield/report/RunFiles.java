package org.latentfield.report;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.latentfield.data.Npy;
import org.latentfield.data.NpyWriter;
import org.latentfield.dynamics.AttractorSet;
import org.latentfield.dynamics.Attractors;
import org.latentfield.dynamics.FixedPointResult;

/**
 * The per-start arrays of an attractor-mining run, written as its chunks finish (NumPy files
 * whose shapes are known from the start): starts.npy and endpoints.npy (N x k; unless
 * keepPoints is false), iterations.npy, converged.npy, evaluations.npy,
 * residual.npy (N), trajectories.npy (N x S x k, when recorded), and the fixed-point id of each
 * start, which {@link #finish} turns into basin.npy once the attractors' order is known. Then
 * attractors.npy and, for the identity rule, fixed_points.npy and fixed_point_kind.npy.
 */
public final class RunFiles implements AutoCloseable {
    public static final String IDS = ".fixed-point-ids.npy";

    private final OutputDirectory dir;
    private final long n;
    private final int k;
    private final int slots;
    private final boolean keepPoints;
    private final Map<String, NpyWriter> writers = new LinkedHashMap<>();
    private Boolean float64;

    private RunFiles(OutputDirectory dir, long n, int k, int slots, boolean keepPoints) {
        this.dir = dir;
        this.n = n;
        this.k = k;
        this.slots = slots;
        this.keepPoints = keepPoints;
    }

    /**
     * The files of a run of {@code n} starts of dimension {@code k} with {@code slots} trajectory
     * slots (0: none), after its first {@code done} starts (0: a new run), whose endpoints were
     * float64 or not (null: no chunk yet). Files are created at the first chunk.
     */
    public static RunFiles reopen(OutputDirectory dir, long n, int k, int slots, boolean keepPoints, long done, Boolean float64) throws IOException {
        RunFiles f = new RunFiles(dir, n, k, slots, keepPoints);
        if (done > 0) {
            f.open(float64, done);
        }
        return f;
    }

    /** One per-start file: its dtype and shape (N first). */
    private record Layout(String descr, long... shape) {
        /** Values per start. */
        long width() {
            long w = 1;
            for (int d = 1; d < shape.length; d++) {
                w *= shape[d];
            }
            return w;
        }
    }

    /** Each file's layout, in the order written. */
    private Map<String, Layout> layout(boolean f64) {
        Map<String, Layout> m = new LinkedHashMap<>();
        if (keepPoints) {
            m.put("starts.npy", new Layout(NpyWriter.F32, n, k));
            m.put("endpoints.npy", new Layout(f64 ? NpyWriter.F64 : NpyWriter.F32, n, k));
        }
        m.put("iterations.npy", new Layout(NpyWriter.I32, n));
        m.put("converged.npy", new Layout(NpyWriter.BOOL, n));
        m.put("evaluations.npy", new Layout(NpyWriter.I32, n));
        m.put("residual.npy", new Layout(NpyWriter.F32, n));
        m.put(IDS, new Layout(NpyWriter.I32, n));
        if (slots > 0) {
            m.put("trajectories.npy", new Layout(NpyWriter.F32, n, slots, k));
        }
        return m;
    }

    private void open(boolean f64, long done) throws IOException {
        float64 = f64;
        for (Map.Entry<String, Layout> e : layout(f64).entrySet()) {
            Layout l = e.getValue();
            Path p = dir.file(e.getKey());
            writers.put(e.getKey(), done == 0 ? NpyWriter.create(p, l.descr(), l.shape()) : NpyWriter.reopen(p, l.descr(), done * l.width(), l.shape()));
        }
    }

    /** Whether the endpoints are float64 (null before the first chunk). */
    public Boolean float64() {
        return float64;
    }

    /** Appends a chunk's per-start arrays; {@code ids} holds each start's fixed-point id (-1: none). */
    public void append(FixedPointResult r, int[] ids) throws IOException {
        if (float64 == null) {
            open(r.endpoints64() != null, 0);
        }
        int m = r.size();
        if (keepPoints) {
            writers.get("starts.npy").floats(r.starts().data(), 0, m * k);
            if (float64) {
                writers.get("endpoints.npy").doubles(r.endpoints64(), 0, m * k);
            } else {
                writers.get("endpoints.npy").floats(r.endpoints().data(), 0, m * k);
            }
        }
        writers.get("iterations.npy").ints(r.iterations(), 0, m);
        boolean[] converged = new boolean[m];
        float[] residual = new float[m];
        for (int i = 0; i < m; i++) {
            converged[i] = r.converged(i);
            residual[i] = (float) Math.sqrt(r.finalStepSq()[i]);
        }
        writers.get("converged.npy").bools(converged, 0, m);
        writers.get("evaluations.npy").ints(r.evaluations(), 0, m);
        writers.get("residual.npy").floats(residual, 0, m);
        writers.get(IDS).ints(ids, 0, m);
        if (slots > 0) {
            writers.get("trajectories.npy").floats(r.trajectories(), 0, m * slots * k);
        }
    }

    /** Hands everything written so far to the operating system (before a checkpoint). */
    public void flush() throws IOException {
        for (NpyWriter w : writers.values()) {
            w.flush();
        }
    }

    /**
     * Completes the per-start files, writes basin.npy (each start's attractor in the catalog's
     * order, -1 for none), attractors.npy (float64 for a float64 model) and, for the identity
     * rule, the other fixed points.
     */
    public void finish(AttractorSet.Catalog catalog, boolean identity) throws IOException {
        for (NpyWriter w : writers.values()) {
            w.finish();
        }
        close();
        writeBasins(catalog.basinOf());
        Files.deleteIfExists(dir.file(IDS));
        writeFixedPoints(dir, catalog, identity, Boolean.TRUE.equals(float64), k);
    }

    /**
     * attractors.npy (float64 when {@code float64}: the polished points, or as a float64 model
     * iterated them) and, for the identity rule, fixed_points.npy and fixed_point_kind.npy, in
     * the catalog's order.
     */
    public static void writeFixedPoints(OutputDirectory dir, AttractorSet.Catalog catalog, boolean identity, boolean f64, int k) throws IOException {
        Attractors a = catalog.attractors();
        int count = a.count();
        if (f64) {
            double[] points = new double[count * k];
            for (int i = 0; i < count; i++) {
                double[] p = catalog.points64().get(i);
                System.arraycopy(p, 0, points, i * k, k);
            }
            Npy.writeFloat64(dir.file("attractors.npy"), points, count, k);
        } else {
            Npy.writeFloat32(dir.file("attractors.npy"), a.points(k).data(), count, k);
        }
        if (identity) {
            List<Attractors.FixedPoint> others = a.others();
            int m = others.size();
            int[] kinds = new int[m];
            double[] p64 = new double[m * k];
            float[] p32 = new float[m * k];
            for (int i = 0; i < m; i++) {
                kinds[i] = others.get(i).kind().code();
                System.arraycopy(others.get(i).polished64(), 0, p64, i * k, k);
                System.arraycopy(others.get(i).point(), 0, p32, i * k, k);
            }
            if (f64) {
                Npy.writeFloat64(dir.file("fixed_points.npy"), p64, m, k);
            } else {
                Npy.writeFloat32(dir.file("fixed_points.npy"), p32, m, k);
            }
            Npy.writeInt32(dir.file("fixed_point_kind.npy"), kinds, m);
        }
    }

    /** basin.npy from the ids file, a million starts at a time. */
    private void writeBasins(int[] basinOf) throws IOException {
        Path ids = dir.file(IDS);
        try (FileChannel ch = FileChannel.open(ids, StandardOpenOption.READ);
             NpyWriter basin = NpyWriter.create(dir.file("basin.npy"), NpyWriter.I32, n)) {
            Npy.Header h = Npy.header(ch, ch.size(), "the fixed-point ids " + ids);
            int step = 1 << 20;
            int[] out = new int[step];
            for (long first = 0; first < n; first += step) {
                int m = (int) Math.min(step, n - first);
                ByteBuffer b = ByteBuffer.allocate(m * 4).order(ByteOrder.LITTLE_ENDIAN);
                Npy.readFully(ch, b, h.dataOffset() + first * 4);
                b.flip();
                for (int i = 0; i < m; i++) {
                    int id = b.getInt();
                    out[i] = id < 0 ? -1 : basinOf[id];
                }
                basin.ints(out, 0, m);
            }
            basin.finish();
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (NpyWriter w : writers.values()) {
            try {
                w.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        writers.clear();
        if (first != null) {
            throw first;
        }
    }
}
