package org.latentfield.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * Outcome of a native Picard run ({@link NativeEngine#fixedPoints}), indexed by start:
 * endpoints (n x k), iterations, final squared steps, lf_point_state codes, and the recorded
 * trajectories (n x slots x k) or null.
 */
public record NativeRun(float[] endpoints, int[] iterations, float[] stepSq, byte[] states, float[] trajectories) {

    /** A native call that fills host buffers for n starts (traj null unless recording). */
    interface HostCall {
        void fill(FloatPointer endpoints, IntPointer iterations, FloatPointer stepSq, BytePointer states, FloatPointer traj);
    }

    /** Host buffers for a run of n starts of dimension k, filled by {@code call}, copied into Java arrays. */
    static NativeRun collect(int n, int k, int recordEvery, int slots, HostCall call) {
        long trajLength = recordEvery > 0 ? (long) n * slots * k : 0;
        float[] end = new float[n * k];
        int[] its = new int[n];
        float[] step = new float[n];
        byte[] states = new byte[n];
        float[] traj = recordEvery > 0 ? new float[(int) trajLength] : null;
        try (PointerScope scope = new PointerScope()) {
            FloatPointer he = new FloatPointer(Math.max(1, end.length)), hs = new FloatPointer(Math.max(1, n));
            IntPointer hi = new IntPointer(Math.max(1, n));
            BytePointer hst = new BytePointer(Math.max(1, n));
            FloatPointer ht = traj == null ? null : new FloatPointer(Math.max(1, trajLength));
            call.fill(he, hi, hs, hst, ht);
            he.get(end);
            hi.get(its);
            hs.get(step);
            hst.get(states);
            if (traj != null) {
                ht.get(traj);
            }
        }
        return new NativeRun(end, its, step, states, traj);
    }
}
