package org.latentfield.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * Distance kernels of liblf (lf.h): nearest row of a set, KNN mean distance and greedy
 * deduplication, on the CPU or the CUDA twin. Matrices are row-major float arrays.
 * Distances: Euclidean ||x - y||_2, cosine 1 - cos(x, y) (1 when either vector is zero),
 * accumulated in double. Rows with a NaN or Inf (lf.h): never a neighbour; a non-finite query
 * gets index -1 and distance NaN (KNN: NaN, also with fewer than k finite reference rows); dedup
 * leaves them out (cluster -1). The CPU and CUDA twins agree.
 */
public final class NativeDistances {
    private NativeDistances() {}

    /** Distance between two rows. */
    public enum Metric {
        EUCLIDEAN(LfNative.LF_METRIC_EUCLIDEAN), COSINE(LfNative.LF_METRIC_COSINE);

        final int code;

        Metric(int code) {
            this.code = code;
        }
    }

    /**
     * Per query row: the index of its nearest set row (ties: the lower index) and the distance.
     */
    public record Nearest(int[] index, float[] distance) {}

    /**
     * Greedy clusters in row order.
     *
     * @param cluster per row, its cluster, or -1 for rows left out
     * @param leader  per cluster, its founding row
     */
    public record Dedup(int[] cluster, int[] leader) {
        public int count() {
            return leader.length;
        }
    }

    /** Nearest of the m rows of {@code set} for each of the n rows of {@code x} (both dim wide). */
    public static Nearest nearest(float[] x, float[] set, int dim, Metric metric, Device device) {
        int n = rows(x, dim, "x"), m = rows(set, dim, "set");
        NativeKernels.openBlasOnce();
        int[] index = new int[n];
        float[] distance = new float[n];
        try (PointerScope scope = new PointerScope()) {
            FloatPointer hx = new FloatPointer(x), hs = new FloatPointer(set);
            IntPointer hi = new IntPointer(Math.max(n, 1));
            FloatPointer hd = new FloatPointer(Math.max(n, 1));
            if (device == Device.CPU) {
                NativeKernels.check(LfNative.lf_nearest_cpu(n, m, dim, hx, hs, metric.code, hi, hd));
            } else {
                try (CudaScope g = new CudaScope()) {
                    IntPointer di = g.ints(n);
                    FloatPointer dd = g.floats(n);
                    NativeKernels.check(LfNative.lf_nearest_cuda(n, m, dim, g.upload(hx), g.upload(hs), metric.code, di, dd, null));
                    g.download(di, hi, (long) n * Integer.BYTES);
                    g.download(dd, hd, (long) n * Float.BYTES);
                }
            }
            hi.get(index);
            hd.get(distance);
        }
        return new Nearest(index, distance);
    }

    /** Per row of x: the mean Euclidean distance to its k nearest rows of {@code ref} (Sun et al. 2022). */
    public static float[] knnMeanDistance(float[] x, float[] ref, int dim, int k, Device device) {
        int n = rows(x, dim, "x"), m = rows(ref, dim, "ref");
        NativeKernels.openBlasOnce();
        float[] mean = new float[n];
        try (PointerScope scope = new PointerScope()) {
            FloatPointer hx = new FloatPointer(x), hr = new FloatPointer(ref), hm = new FloatPointer(Math.max(n, 1));
            if (device == Device.CPU) {
                NativeKernels.check(LfNative.lf_knn_mean_distance_cpu(n, m, dim, hx, hr, k, hm));
            } else {
                try (CudaScope g = new CudaScope()) {
                    FloatPointer dm = g.floats(n);
                    NativeKernels.check(LfNative.lf_knn_mean_distance_cuda(n, m, dim, g.upload(hx), g.upload(hr), k, dm, null));
                    g.download(dm, hm, (long) n * Float.BYTES);
                }
            }
            hm.get(mean);
        }
        return mean;
    }

    /**
     * Greedy deduplication in row order: a row joins the first cluster whose leader it matches,
     * or founds one. Cosine: same when cos > threshold, rows with norm <= originRadius match only
     * each other; Euclidean: same when the distance < threshold.
     *
     * @param active rows taking part (null: all)
     */
    public static Dedup dedup(float[] x, int dim, boolean[] active, Metric metric, double threshold, double originRadius,
                              Device device) {
        int n = rows(x, dim, "x");
        int[] cluster = new int[n];
        try (PointerScope scope = new PointerScope()) {
            LfNative.MergeRule rule = new LfNative.MergeRule().metric(metric.code).threshold(threshold).origin_radius(originRadius);
            FloatPointer hx = new FloatPointer(x);
            BytePointer ha = null;
            if (active != null) {
                byte[] flags = new byte[n];
                for (int i = 0; i < n; i++) {
                    flags[i] = (byte) (active[i] ? 1 : 0);
                }
                ha = new BytePointer(flags);
            }
            IntPointer hc = new IntPointer(Math.max(n, 1)), hl = new IntPointer(Math.max(n, 1));
            LongPointer count = new LongPointer(1);
            if (device == Device.CPU) {
                NativeKernels.check(LfNative.lf_dedup_cpu(n, dim, hx, ha, rule, hc, hl, count));
            } else {
                try (CudaScope g = new CudaScope()) {
                    IntPointer dc = g.ints(n), dl = g.ints(n);
                    LongPointer dn = g.longs(1);
                    NativeKernels.check(LfNative.lf_dedup_cuda(n, dim, g.upload(hx), ha == null ? null : g.upload(ha), rule, dc, dl, dn, null));
                    g.download(dc, hc, (long) n * Integer.BYTES);
                    g.download(dl, hl, (long) n * Integer.BYTES);
                    g.download(dn, count, Long.BYTES);
                }
            }
            hc.get(cluster);
            int[] leader = new int[(int) count.get()];
            hl.get(leader);
            return new Dedup(cluster, leader);
        }
    }

    static int rows(float[] a, int dim, String what) {
        if (dim < 1 || a.length % dim != 0) {
            throw new IllegalArgumentException(what + " holds " + a.length + " values, not a whole number of rows of " + dim);
        }
        return a.length / dim;
    }

}
