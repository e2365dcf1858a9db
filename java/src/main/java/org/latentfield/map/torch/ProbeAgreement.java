package org.latentfield.map.torch;

import java.util.Locale;
import java.util.function.BiFunction;
import org.latentfield.data.StartPoints;
import org.latentfield.kernels.NativeMatrix;

/**
 * The safety net after a native engine's layers were read from a model's graphs: f of the read
 * layers against LibTorch's f at 64 seeded probe points (32 from N(0, I), 32 from N(0, 25 I)).
 * They must agree within max |diff| &lt;= 1e-4 (1 + max |f|); a mismatch means the graph reader
 * is wrong, never that the model is refused for its values.
 */
final class ProbeAgreement {
    static final double TOLERANCE = 1e-4;
    private static final int PROBES = 64;

    private ProbeAgreement() {}

    /**
     * Null when {@code engine} (probes, rows -> f) agrees with LibTorch's f on the probes, else
     * the reason to refuse, naming the difference.
     */
    static String refusal(TorchScriptAutoencoder map, BiFunction<float[], Integer, float[]> engine) {
        int k = map.latentDim();
        float[] probes = probes(k);
        float[] want = torchMap(map, probes, PROBES);
        double miss = mismatch(engine.apply(probes, PROBES), want);
        if (miss > TOLERANCE) {
            return "the layers read from its graphs differ from LibTorch's f by " + String.format(Locale.ROOT, "%.3g", miss)
                    + " (relative) on probe points, a fault of latentfield's graph reader; please report it";
        }
        return null;
    }

    private static float[] probes(int k) {
        float[] a = StartPoints.gaussian(PROBES / 2, k, 1.0, 11).data();
        float[] b = StartPoints.gaussian(PROBES / 2, k, 5.0, 12).data();
        float[] all = new float[PROBES * k];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static float[] torchMap(TorchScriptAutoencoder map, float[] z, int n) {
        int k = map.latentDim();
        float[] out = new float[n * k];
        try (NativeMatrix in = new NativeMatrix(n, k); NativeMatrix fz = new NativeMatrix(n, k)) {
            in.putRows(z, 0, 0, n);
            map.apply(in, fz, n);
            fz.getRows(0, out, 0, n);
        }
        return out;
    }

    /** max |got - want| / (1 + max |want|). */
    private static double mismatch(float[] got, float[] want) {
        double scale = 0, diff = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            diff = Math.max(diff, Math.abs(got[i] - want[i]));
        }
        return Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff / (1 + scale);
    }
}
