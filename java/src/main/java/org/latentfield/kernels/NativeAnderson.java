package org.latentfield.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Type-II Anderson acceleration (Walker and Ni, SIAM J. Numer. Anal. 49(4), 2011) of a batched
 * fixed-point iteration by liblf (lf_anderson_step_cpu in lf.h), on the CPU. With g = f(x) - x
 * and the last m + 1 iterates of a point: x_next = x + beta g - (dX + beta dG) gamma, gamma the
 * Tikhonov-regularised least-squares fit of g by the residual differences dG; a plain step
 * x + beta g (bitwise f(x) for beta = 1) while a history is empty, after the residual grew by
 * more than {@code safeguard} (the history restarts) or when the fit is singular.
 *
 * <p>Owns the histories of {@code slots} points in native memory: a point keeps its slot while
 * rows are compacted around it, and a slot given to a new point is {@link #reset}. Not
 * thread-safe; close it (safe twice).
 */
public final class NativeAnderson implements AutoCloseable {
    static {
        NativeLibraries.prepare();
    }

    private final int slots, k, m;
    private final double beta, lambda, safeguard;
    private FloatPointer histX, histG, lastRes;
    private IntPointer histCount, slotBuffer;
    private BytePointer fallback;

    /**
     * @param slots     the most points with a history at once
     * @param k         the width of a point
     * @param m         the history depth, in [1, 64]
     * @param beta      the damping (mixing) factor, in (0, 1]
     * @param lambda    the Tikhonov factor, relative to ||dG||_F^2 / m_k, finite and &gt;= 0
     * @param safeguard a history restarts when ||g|| &gt; safeguard times the previous ||g||; &gt; 0
     */
    public NativeAnderson(int slots, int k, int m, double beta, double lambda, double safeguard) {
        if (slots < 1 || k < 1) {
            throw new IllegalArgumentException("Anderson acceleration needs slots >= 1 and k >= 1, got " + slots + " and " + k);
        }
        if (m < 1 || m > 64) {
            throw new IllegalArgumentException("the Anderson history depth m must be in [1, 64], got " + m);
        }
        if (!(beta > 0 && beta <= 1) || !(lambda >= 0 && Double.isFinite(lambda)) || !(safeguard > 0)) {
            throw new IllegalArgumentException("Anderson acceleration needs beta in (0, 1], lambda finite and >= 0 and safeguard > 0, got "
                    + beta + ", " + lambda + " and " + safeguard);
        }
        this.slots = slots;
        this.k = k;
        this.m = m;
        this.beta = beta;
        this.lambda = lambda;
        this.safeguard = safeguard;
        long ring = (long) slots * (m + 1) * k;
        histX = new FloatPointer(ring);
        histG = new FloatPointer(ring);
        lastRes = new FloatPointer((long) slots);
        histCount = new IntPointer((long) slots);
        slotBuffer = new IntPointer((long) slots);
        fallback = new BytePointer((long) slots);
        if (histX.isNull() || histG.isNull() || lastRes.isNull() || histCount.isNull() || slotBuffer.isNull() || fallback.isNull()) {
            close();
            throw new OutOfMemoryError("cannot allocate Anderson histories of " + slots + " x " + (m + 1) + " x " + k + " floats");
        }
        Pointer.memset(histCount, 0, (long) slots * Integer.BYTES);
    }

    /** Empties the history of {@code slot}, for a new point. */
    public void reset(int slot) {
        checkSlot(slot);
        open();
        histCount.put(slot, 0);
    }

    /** Entries pushed into the history of {@code slot} since its last reset. */
    public int historyCount(int slot) {
        checkSlot(slot);
        open();
        return histCount.get(slot);
    }

    /**
     * One step for the first {@code rows} rows: row i of x is a point, row i of fx its f(x), and
     * slot[i] its history (distinct within a call). Writes rows 0 .. rows - 1 of xNext (which may
     * be x) and fallbackOut[i]: true when row i took the plain step x + beta g because its
     * history restarted (the residual grew, the fit was singular, or x or fx had a NaN or Inf,
     * in which case xNext is fx).
     */
    public void step(NativeMatrix x, NativeMatrix fx, int[] slot, int rows, NativeMatrix xNext, boolean[] fallbackOut) {
        open();
        if (rows < 0 || rows > slots || slot.length < rows || fallbackOut.length < rows) {
            throw new IllegalArgumentException(rows + " rows need 0 <= rows <= " + slots + " slots and as many slot ids and fallback flags, got "
                    + slot.length + " and " + fallbackOut.length);
        }
        for (NativeMatrix a : new NativeMatrix[] {x, fx, xNext}) {
            if (a.cols() != k || a.capacity() < rows) {
                throw new IllegalArgumentException("Anderson rows are " + k + " wide and " + rows + " long, got a matrix of "
                        + a.capacity() + " x " + a.cols());
            }
        }
        for (int i = 0; i < rows; i++) {
            checkSlot(slot[i]);
        }
        slotBuffer.put(slot, 0, rows);
        NativeKernels.check(LfNative.lf_anderson_step_cpu(rows, k, m, beta, lambda, safeguard, x.data(), fx.data(), slotBuffer, histX, histG,
                histCount, lastRes, xNext.data(), fallback));
        for (int i = 0; i < rows; i++) {
            fallbackOut[i] = fallback.get(i) != 0;
        }
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= slots) {
            throw new IndexOutOfBoundsException("slot " + slot + " outside the " + slots + " Anderson history slots");
        }
    }

    private void open() {
        if (histCount == null) {
            throw new IllegalStateException("the Anderson histories are closed");
        }
    }

    @Override
    public void close() {
        for (Pointer p : new Pointer[] {histX, histG, lastRes, histCount, slotBuffer, fallback}) {
            if (p != null) {
                p.close();
            }
        }
        histX = histG = lastRes = null;
        histCount = slotBuffer = null;
        fallback = null;
    }
}
