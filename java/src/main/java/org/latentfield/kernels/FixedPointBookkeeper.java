package org.latentfield.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * Native per-point state of one batched fixed-point run over {@code points} points, and the
 * step that updates it (lf_fixed_point_step_cpu, see lf.h): squared step norms, stopping rule,
 * divergence flags, iteration counters, endpoints, optional trajectories, and the compaction
 * of the rows still active.
 *
 * <p>Active rows are identified by their global id (0 .. points-1) held in a native row-id
 * array parallel to the batch. The caller admits points into free batch positions with
 * {@link #admit}, applies the map, and calls {@link #step}.
 */
public final class FixedPointBookkeeper implements AutoCloseable {
    /** Values of the per-point state array (lf_point_state). */
    public static final byte ACTIVE = 0, CONVERGED = 1, CAPPED = 2, DIVERGED = 3;

    private final int points;
    private final int dim;
    private final int recordEvery;
    private final int slots;
    private final LfNative.StopRule rule;
    private final IntPointer rowId;
    private final IntPointer keep;
    private final LongPointer nKeep;
    private final IntPointer iterations;
    private final FloatPointer stepSq;
    private final BytePointer state;
    private final FloatPointer endpoints;
    private final FloatPointer trajectories;

    /**
     * @param points        number of points of the run (global ids 0 .. points-1)
     * @param dim           latent dimension
     * @param batchCapacity largest number of rows passed to one step
     * @param tol           converged when ||z_t - z_{t-1}||^2 < tol
     * @param maxIter       iteration cap
     * @param divergenceBound diverged when ||z_t|| exceeds it (or z_t is not finite)
     * @param recordEvery   record z_t for t % recordEvery == 0; 0 records nothing
     */
    public FixedPointBookkeeper(int points, int dim, int batchCapacity, double tol, int maxIter,
                                double divergenceBound, int recordEvery) {
        this.points = points;
        this.dim = dim;
        this.recordEvery = recordEvery;
        this.slots = recordEvery > 0 ? maxIter / recordEvery + 1 : 0;
        this.rule = new LfNative.StopRule().tol(tol).max_iter(maxIter).divergence_bound(divergenceBound);
        this.rowId = new IntPointer((long) batchCapacity);
        this.keep = new IntPointer((long) batchCapacity);
        this.nKeep = new LongPointer(1);
        this.iterations = new IntPointer((long) points).fill(0);
        this.stepSq = new FloatPointer((long) points).fill(0);
        this.state = new BytePointer((long) points).fill(ACTIVE);
        this.endpoints = new FloatPointer((long) points * dim);
        this.trajectories = slots > 0 ? new FloatPointer((long) points * slots * dim) : null;
    }

    /** Number of trajectory slots per point (0 when not recording): slot s holds z_{s * recordEvery}. */
    public int slots() {
        return slots;
    }

    /** The global ids of the points at batch positions 0 .. n - 1, into {@code dst}. */
    public void rowIds(int[] dst, int n) {
        rowId.get(dst, 0, n);
    }

    /** Marks batch position {@code position} as holding the point with global id {@code globalId}. */
    public void admit(int position, int globalId) {
        rowId.put(position, globalId);
    }

    /**
     * One bookkeeping step over the first {@code nActive} rows: {@code prev} holds z_{t-1},
     * {@code next} holds z_t = f(z_{t-1}). Rows still active are compacted, in order, into the
     * first rows of {@code out} and of the row-id array.
     *
     * @return the number of rows still active
     */
    public int step(NativeMatrix prev, NativeMatrix next, int nActive, NativeMatrix out) {
        NativeKernels.check(LfNative.lf_fixed_point_step_cpu(nActive, dim, prev.data(), next.data(), rule,
                rowId, iterations, stepSq, state, endpoints, trajectories, recordEvery, slots, keep,
                out.data(), nKeep));
        return (int) nKeep.get();
    }

    /** Per-point iteration counts. */
    public int[] iterations() {
        int[] out = new int[points];
        iterations.get(out);
        return out;
    }

    /** Per-point squared norm of the last step. */
    public float[] stepSq() {
        float[] out = new float[points];
        stepSq.get(out);
        return out;
    }

    /** Per-point states ({@link #ACTIVE}, {@link #CONVERGED}, {@link #CAPPED}, {@link #DIVERGED}). */
    public byte[] states() {
        byte[] out = new byte[points];
        state.get(out);
        return out;
    }

    /** Final iterates, points x dim, row-major. */
    public float[] endpoints() {
        float[] out = new float[points * dim];
        endpoints.get(out);
        return out;
    }

    /** Recorded trajectories, points x slots x dim (slot 0 is left for the caller), or null. */
    public float[] trajectories() {
        if (trajectories == null) {
            return null;
        }
        float[] out = new float[points * slots * dim];
        trajectories.get(out);
        return out;
    }

    @Override
    public void close() {
        rule.close();
        rowId.close();
        keep.close();
        nKeep.close();
        iterations.close();
        stepSq.close();
        state.close();
        endpoints.close();
        if (trajectories != null) {
            trajectories.close();
        }
    }
}
