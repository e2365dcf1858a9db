package org.latentfield.dynamics;

import java.util.function.LongConsumer;
import org.latentfield.data.Points;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.FixedPointBookkeeper;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.kernels.NativeEngine;
import org.latentfield.kernels.NativeRun;
import org.latentfield.map.Float64Map;
import org.latentfield.map.LatentMap;

/**
 * Batched fixed-point iteration z_{t+1} = f(z_t) of a latent map from many starting points
 * (PAPER.md sections 1-2).
 *
 * <p>Stopping rule, per point: the iteration count is the smallest t >= 1 with
 * ||z_t - z_{t-1}||_2^2 < tol, and the endpoint is that z_t. A point that has not met the rule
 * after max-iter applications of f is not converged (iterations = max-iter). A point whose
 * iterate has a NaN/Inf coordinate or whose norm exceeds the divergence bound is diverged.
 *
 * <p>Compaction: a batch of at most {@code batchSize} rows is iterated; after each step the
 * native bookkeeping kernel removes the rows that stopped and the freed rows are refilled with
 * new starting points, so f is only ever evaluated on rows still moving and the working memory
 * is O(batchSize x k) whatever the number of points. {@link #solveNaive} is the reference it
 * is tested against: f applied to every row of a chunk until all of them stopped.
 *
 * <p>Every loop checks {@link Cancellation} before each step (the fused native loop inside its
 * call): a cancelled run throws {@link org.latentfield.kernels.CancelledException} within one
 * step, its native buffers freed.
 */
public final class FixedPointSolver {
    private FixedPointSolver() {}

    /**
     * Settings of a run; the defaults are the paper's small-model constants.
     *
     * @param tol             converged when ||z_t - z_{t-1}||^2 < tol (paper: 1e-6 small models, 1e-5 large)
     * @param maxIter         iteration cap (paper: 3000 small models, 500 large)
     * @param divergenceBound diverged when ||z_t||_2 exceeds it (ours: 1e6)
     * @param batchSize       rows evaluated together by the map
     * @param recordEvery     record z_0, z_R, z_2R, ... with R = recordEvery; 0 records nothing
     */
    public record Options(double tol, int maxIter, double divergenceBound, int batchSize, int recordEvery) {
        public static final double DEFAULT_TOL = 1e-6;
        public static final int DEFAULT_MAX_ITER = 3000;
        public static final double DEFAULT_DIVERGENCE_BOUND = 1e6;
        public static final int DEFAULT_BATCH = 1024;

        public Options {
            if (!(tol > 0) || Double.isInfinite(tol)) {
                throw new LatentfieldException("--tol must be a positive finite number, got " + tol + ".");
            }
            if (maxIter < 1) {
                throw new LatentfieldException("--max-iter must be a positive integer, got " + maxIter + ".");
            }
            if (!(divergenceBound > 0)) {
                throw new LatentfieldException("--divergence-bound must be positive, got " + divergenceBound + ".");
            }
            if (batchSize < 1) {
                throw new LatentfieldException("--batch must be a positive integer, got " + batchSize + ".");
            }
            if (recordEvery < 0) {
                throw new LatentfieldException("--record-every must be a positive integer, got " + recordEvery + ".");
            }
        }

        /** The paper's small-model settings: tol 1e-6, max-iter 3000, batch 1024, no recording. */
        public static Options defaults() {
            return new Options(DEFAULT_TOL, DEFAULT_MAX_ITER, DEFAULT_DIVERGENCE_BOUND, DEFAULT_BATCH, 0);
        }

        public Options withTol(double t) {
            return new Options(t, maxIter, divergenceBound, batchSize, recordEvery);
        }

        public Options withMaxIter(int m) {
            return new Options(tol, m, divergenceBound, batchSize, recordEvery);
        }

        public Options withBatchSize(int b) {
            return new Options(tol, maxIter, divergenceBound, b, recordEvery);
        }

        public Options withRecordEvery(int r) {
            return new Options(tol, maxIter, divergenceBound, batchSize, r);
        }

        public Options withDivergenceBound(double d) {
            return new Options(tol, maxIter, d, batchSize, recordEvery);
        }
    }

    /** {@link #solve(LatentMap, Points, Options, LongConsumer)} without progress reports. */
    public static FixedPointResult solve(LatentMap map, Points starts, Options options) {
        return solve(map, starts, options, finished -> { });
    }

    /**
     * Iterates f from every start until each point converged, hit the cap or diverged. A map
     * that computes in float64 ({@link Float64Map#iteratesInFloat64()}) is iterated in float64
     * by {@link Float64Loop}, with the same rule.
     *
     * @param progress told the number of points that stopped after each step
     */
    public static FixedPointResult solve(LatentMap map, Points starts, Options options, LongConsumer progress) {
        return solve(map, starts, options, progress, null);
    }

    /**
     * Watches a Picard run step by step (e.g. {@link PicardRates}): told, before each step's
     * bookkeeping, the global ids of the rows in flight, their z_{t-1} and z_t = f(z_{t-1}).
     */
    public interface StepTrace {
        void step(int[] ids, NativeMatrix prev, NativeMatrix next, int rows);
    }

    /** {@link #solve(LatentMap, Points, Options, LongConsumer)}, telling {@code trace} every step (float32 iteration only; null: none). */
    public static FixedPointResult solve(LatentMap map, Points starts, Options options, LongConsumer progress, StepTrace trace) {
        int n = starts.n();
        int k = checkDims(map, starts);
        int slots = options.recordEvery() > 0 ? options.maxIter() / options.recordEvery() + 1 : 0;
        checkRecording(n, slots, k);
        if (map instanceof Float64Map m && m.iteratesInFloat64()) {
            if (trace != null) {
                throw new LatentfieldException("step traces watch float32 iteration; this model iterates in float64.");
            }
            return Float64Loop.solve(m, starts, options, progress);
        }
        int[] ids = trace != null ? new int[Math.max(1, Math.min(options.batchSize(), n))] : null;
        int batch = Math.max(1, Math.min(options.batchSize(), n));
        long began = System.nanoTime();
        try (NativeMatrix current = new NativeMatrix(batch, k);
             NativeMatrix mapped = new NativeMatrix(batch, k);
             NativeMatrix compacted = new NativeMatrix(batch, k);
             FixedPointBookkeeper book = new FixedPointBookkeeper(Math.max(n, 1), k, batch, options.tol(), options.maxIter(),
                     options.divergenceBound(), options.recordEvery())) {
            NativeMatrix in = current;
            NativeMatrix out = compacted;
            int admitted = 0;
            int active = 0;
            while (true) {
                int room = Math.min(batch - active, n - admitted);
                if (room > 0) {
                    in.putRows(starts.data(), admitted, active, room);
                    for (int j = 0; j < room; j++) {
                        book.admit(active + j, admitted + j);
                    }
                    admitted += room;
                    active += room;
                }
                if (active == 0) {
                    break;
                }
                Cancellation.check();
                map.apply(in, mapped, active);
                if (trace != null) {
                    book.rowIds(ids, active);
                    trace.step(ids, in, mapped, active);
                }
                int kept = book.step(in, mapped, active, out);
                progress.accept(active - kept);
                NativeMatrix swap = in;
                in = out;
                out = swap;
                active = kept;
            }
            double seconds = (System.nanoTime() - began) / 1e9;
            return result(starts, options, book, n, k, seconds);
        }
    }

    /**
     * The same iteration, stopping rule and results as {@link #solve}, run entirely by liblf's
     * engines (the fused MLP engine or the network engine): starts go to the engine in chunks (one native call each, the Picard loop
     * and compaction inside), so Java only reports progress between chunks.
     */
    public static FixedPointResult solveNative(NativeEngine mlp, Points starts, Options options, LongConsumer progress) {
        int n = starts.n();
        int k = starts.dim();
        if (mlp.latentDim() != k) {
            throw new LatentfieldException("the starting points have dimension " + k + " but the map's latent dimension is " + mlp.latentDim() + ".");
        }
        int slots = options.recordEvery() > 0 ? options.maxIter() / options.recordEvery() + 1 : 0;
        checkRecording(n, slots, k);
        int batch = Math.max(1, Math.min(options.batchSize(), n));
        int chunk = Math.max(4 * batch, 4096);
        float[] end = new float[n * k];
        int[] its = new int[n];
        float[] step = new float[n];
        PointState[] states = new PointState[n];
        float[] traj = slots > 0 ? new float[n * slots * k] : null;
        long began = System.nanoTime();
        for (int c0 = 0; c0 < n; c0 += chunk) {
            Cancellation.check();
            int m = Math.min(chunk, n - c0);
            float[] z0 = java.util.Arrays.copyOfRange(starts.data(), c0 * k, (c0 + m) * k);
            NativeRun run = mlp.fixedPoints(z0, m, options.tol(), options.maxIter(), options.divergenceBound(), batch,
                    options.recordEvery(), slots);
            System.arraycopy(run.endpoints(), 0, end, c0 * k, m * k);
            System.arraycopy(run.iterations(), 0, its, c0, m);
            System.arraycopy(run.stepSq(), 0, step, c0, m);
            for (int i = 0; i < m; i++) {
                states[c0 + i] = PointState.fromCode(run.states()[i]);
            }
            if (traj != null) {
                System.arraycopy(run.trajectories(), 0, traj, c0 * slots * k, m * slots * k);
            }
            progress.accept(m);
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        return new FixedPointResult(starts, new Points(n, k, end), its, states, step, traj, options.recordEvery(), options, seconds);
    }

    /**
     * Refuses a trajectory recording that cannot be held: over what one array can hold, or over
     * the JVM heap (which would end in an out-of-memory error after the run).
     */
    private static void checkRecording(int n, int slots, int k) {
        long values = (long) n * slots * k;
        if (slots == 0) {
            return;
        }
        String what = "recording " + slots + " steps of " + n + " points of dimension " + k + " needs " + (values * 4 >> 20) + " MiB";
        if (values > Integer.MAX_VALUE - 8) {
            throw new LatentfieldException(what + ", over the 8 GiB an array can hold; raise --record-every or lower --samples.");
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (values * 4 > heap) {
            throw new LatentfieldException(what + ", more than the JVM heap of " + (heap >> 20) + " MiB; raise --record-every, lower --samples"
                    + " or raise the heap (-Xmx, LATENTFIELD_JAVA_OPTS).");
        }
    }

    private static FixedPointResult result(Points starts, Options options, FixedPointBookkeeper book, int n, int k, double seconds) {
        byte[] codes = book.states();
        PointState[] states = new PointState[n];
        for (int i = 0; i < n; i++) {
            states[i] = PointState.fromCode(codes[i]);
        }
        float[] endpoints = n == 0 ? new float[0] : book.endpoints();
        float[] traj = null;
        if (options.recordEvery() > 0) {
            traj = n == 0 ? new float[0] : book.trajectories();
            int slots = book.slots();
            for (int i = 0; i < n; i++) {
                System.arraycopy(starts.data(), i * k, traj, i * slots * k, k);
            }
        }
        int[] iterations = n == 0 ? new int[0] : book.iterations();
        float[] stepSq = n == 0 ? new float[0] : book.stepSq();
        return new FixedPointResult(starts, new Points(n, k, endpoints), iterations, states, stepSq, traj,
                options.recordEvery(), options, seconds);
    }

    /**
     * Reference loop without compaction: f is applied to every row of a chunk of
     * {@code batchSize} points until all of them have stopped; a point's endpoint, count and
     * state are frozen at the step it stopped, with the same rule as {@link #solve}. Records
     * no trajectories. Used by tests and benchmarks as the baseline the compacted solver must
     * match.
     */
    public static FixedPointResult solveNaive(LatentMap map, Points starts, Options options) {
        int n = starts.n();
        int k = checkDims(map, starts);
        int batch = Math.max(1, Math.min(options.batchSize(), n));
        float[] endpoints = new float[n * k];
        int[] iterations = new int[n];
        PointState[] states = new PointState[n];
        float[] stepSq = new float[n];
        float[] prev = new float[batch * k];
        float[] next = new float[batch * k];
        long began = System.nanoTime();
        try (NativeMatrix in = new NativeMatrix(batch, k); NativeMatrix out = new NativeMatrix(batch, k)) {
            for (int first = 0; first < n; first += batch) {
                int rows = Math.min(batch, n - first);
                in.putRows(starts.data(), first, 0, rows);
                in.getRows(0, prev, 0, rows);
                int running = rows;
                for (int t = 1; running > 0; t++) {
                    Cancellation.check();
                    map.apply(in, out, rows);
                    out.getRows(0, next, 0, rows);
                    for (int r = 0; r < rows; r++) {
                        int g = first + r;
                        if (states[g] != null) {
                            continue;
                        }
                        double step = 0;
                        double norm = 0;
                        boolean finite = true;
                        for (int j = 0; j < k; j++) {
                            double v = next[r * k + j];
                            double d = v - prev[r * k + j];
                            step += d * d;
                            norm += v * v;
                            finite &= Double.isFinite(v);
                        }
                        PointState s = stopState(step, norm, finite, t, options);
                        if (s != null) {
                            states[g] = s;
                            iterations[g] = t;
                            stepSq[g] = (float) step;
                            System.arraycopy(next, r * k, endpoints, g * k, k);
                            running--;
                        }
                    }
                    float[] swap = prev;
                    prev = next;
                    next = swap;
                    in.putRows(prev, 0, 0, rows);
                }
            }
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        return new FixedPointResult(starts, new Points(n, k, endpoints), iterations, states, stepSq, null, 0,
                options.withRecordEvery(0), seconds);
    }

    /**
     * The stopping rule of one point after its t-th step, as liblf's bookkeeping kernel applies
     * it: diverged when an iterate is non-finite or its squared norm exceeds the bound squared,
     * converged when ||z_t - z_{t-1}||^2 < tol, not converged at the cap; null while it runs on.
     */
    static PointState stopState(double stepSq, double normSq, boolean finite, int t, Options options) {
        double bound = options.divergenceBound();
        if (!finite || !Double.isFinite(stepSq) || normSq > bound * bound) {
            return PointState.DIVERGED;
        }
        if (stepSq < options.tol()) {
            return PointState.CONVERGED;
        }
        return t >= options.maxIter() ? PointState.NOT_CONVERGED : null;
    }

    private static int checkDims(LatentMap map, Points starts) {
        if (starts.dim() != map.latentDim()) {
            throw new LatentfieldException("the starting points have dimension " + starts.dim() + " but the model's latent dimension is "
                    + map.latentDim() + ".");
        }
        return map.latentDim();
    }
}
