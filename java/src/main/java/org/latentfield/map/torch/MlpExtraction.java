package org.latentfield.map.torch;

import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Method;
import org.latentfield.data.StartPoints;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.kernels.NativeMlp;

/**
 * Admits an autoencoder to liblf's fused MLP engine ({@link NativeMlp}) when the TorchScript
 * graphs of its decode and encode provably compute a stack of Linear layers with supported
 * activations, and reads that stack. The engine computes in float32, so only float32 models
 * are admitted.
 *
 * <p>Admission is by structure, never by agreement on sample points: {@link LinearStackReader}
 * walks the inlined graphs and admits only linear/addmm/matmul(+ bias add) layers, ReLU, tanh,
 * sigmoid and exact GELU activations, eval-mode dropout and shape-only ops that keep one sample
 * per row, with weights read from the module's parameters; any other op on the way from the
 * input to the result (a clamp, a residual add, a normalisation, control flow) is refused with
 * the reason, and the model runs in LibTorch. Agreement with LibTorch on 64 probe points
 * (max |diff| &lt;= 1e-4 (1 + max |f|)) is checked afterwards only as a safety net: a mismatch
 * means the reader is wrong, and the model is refused with that reason too.
 */
public final class MlpExtraction {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private static final double PROBE_TOLERANCE = 1e-4;
    private static final int PROBES = 64;

    private MlpExtraction() {}

    /** The layers of f = E(D(.)), decoder first, or the reason the model does not qualify. */
    public record Outcome(List<NativeMlp.Layer> layers, String reason) {
        public boolean ok() {
            return layers != null;
        }

        /** e.g. "2 -> 256 -> 512 -> 784 -> 512 -> 256 -> 2", or the reason. */
        public String describe() {
            if (!ok()) {
                return reason;
            }
            StringBuilder s = new StringBuilder().append(layers.get(0).in());
            for (NativeMlp.Layer l : layers) {
                s.append(" -> ").append(l.out());
            }
            return s.toString();
        }
    }

    /** Reads and verifies; never throws for a model that does not qualify. */
    public static Outcome extract(TorchScriptAutoencoder map) {
        String dtype = map.contract().dtype();
        if (!dtype.equals("float32")) {
            return new Outcome(null, "the model computes in " + dtype + " and the native engine in float32");
        }
        List<NativeMlp.Layer> layers;
        try (PointerScope scope = new PointerScope()) {
            Method decode = map.decodeMethod(), encode = map.encodeMethod();
            layers = LinearStackReader.read(decode, name(decode, "decode", "decoder"), encode, name(encode, "encode", "encoder"),
                    map.latentDim());
        } catch (GraphRefusal r) {
            return new Outcome(null, r.getMessage());
        } catch (RuntimeException e) {
            return new Outcome(null, "its TorchScript graphs could not be read: " + TorchErrors.cause(e));
        }
        Points probes = probes(map.latentDim());
        float[] want = torchMap(map, probes);
        float[] got;
        try (NativeMlp mlp = NativeMlp.create(layers, Device.CPU)) {
            got = mlp.apply(probes.data, probes.n);
        }
        double miss = mismatch(got, want);
        if (miss > PROBE_TOLERANCE) {
            return new Outcome(null, "the layers read from its graphs differ from LibTorch's f by " + String.format(Locale.ROOT, "%.3g", miss)
                    + " (relative) on probe points, a fault of latentfield's graph reader; please report it");
        }
        return new Outcome(List.copyOf(layers), null);
    }

    /** "decode", or "the decoder's forward" for an encoder/decoder pair. */
    private static String name(Method m, String expected, String role) {
        String name = m.name().getString();
        return name.equals(expected) ? name : "the " + role + "'s " + name;
    }

    private record Points(int n, float[] data) {}

    private static Points probes(int k) {
        float[] a = StartPoints.gaussian(PROBES / 2, k, 1.0, 11).data();
        float[] b = StartPoints.gaussian(PROBES / 2, k, 5.0, 12).data();
        float[] all = new float[PROBES * k];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return new Points(PROBES, all);
    }

    private static float[] torchMap(TorchScriptAutoencoder map, Points p) {
        int k = map.latentDim();
        float[] out = new float[p.n * k];
        try (NativeMatrix in = new NativeMatrix(p.n, k); NativeMatrix fz = new NativeMatrix(p.n, k)) {
            in.putRows(p.data, 0, 0, p.n);
            map.apply(in, fz, p.n);
            fz.getRows(0, out, 0, p.n);
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
