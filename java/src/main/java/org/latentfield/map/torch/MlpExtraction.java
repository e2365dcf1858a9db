package org.latentfield.map.torch;

import java.util.ArrayList;
import java.util.List;
import org.latentfield.data.StartPoints;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.kernels.NativeMlp.Activation;

/**
 * Reads an autoencoder whose encode and decode are stacks of Linear layers (latentfield's
 * {@code mlp} architecture, or a PyTorch module built from nn.Linear and elementwise
 * activations) as one layer stack for {@link NativeMlp}, and checks it numerically.
 *
 * <p>The weights are the module's 2-D parameters in registration order, each followed by its
 * 1-D bias; they must split into one chain m -> ... -> k (the encoder) and one chain
 * k -> ... -> m (the decoder), in either order. The activations are not in the parameters: the
 * candidates (one hidden activation among ReLU, tanh, sigmoid, GELU, identity; sigmoid or
 * identity on the decoder's output; identity on the encoder's) are tried in turn and the first
 * whose f(z) matches LibTorch's on 64 probe points (max |diff| &lt;= 1e-4 (1 + max |f|)) is
 * taken. Anything else is refused with the reason, and the TorchScript engine stays in use.
 */
public final class MlpExtraction {
    private static final double PROBE_TOLERANCE = 1e-4;
    private static final int PROBES = 64;

    private MlpExtraction() {}

    /** The layers of f = E(D(.)), decoder first, or the reason the model does not qualify. */
    public record Outcome(List<NativeMlp.Layer> layers, String reason) {
        public boolean ok() {
            return layers != null;
        }

        /** e.g. "2 -> 256 -> 512 -> 784 -> 512 -> 256 -> 2, relu inside, sigmoid after the decoder". */
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

    private record Linear(int in, int out, float[] weight, float[] bias) {}

    /** Extracts and verifies; never throws for a model that does not qualify. */
    public static Outcome extract(TorchScriptAutoencoder map) {
        List<TorchScriptAutoencoder.NamedParameter> params = map.parameters();
        if (params.isEmpty()) {
            return new Outcome(null, "the model has no parameters in one archive (an encoder/decoder pair or a parameter-free module)");
        }
        List<Linear> linears = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            TorchScriptAutoencoder.NamedParameter p = params.get(i);
            if (p.shape().length != 2) {
                return new Outcome(null, "parameter " + p.name() + " has " + p.shape().length + " dimensions; only Linear layers"
                        + " (2-D weights, 1-D biases) run natively");
            }
            float[] bias = null;
            if (i + 1 < params.size() && params.get(i + 1).shape().length == 1 && params.get(i + 1).shape()[0] == p.shape()[0]) {
                bias = params.get(++i).values();
            }
            linears.add(new Linear((int) p.shape()[1], (int) p.shape()[0], p.values(), bias));
        }
        int k = map.latentDim();
        Chain ordered = order(linears, k);
        if (ordered == null) {
            return new Outcome(null, "its Linear layers do not split into an encoder chain m -> ... -> " + k
                    + " and a decoder chain " + k + " -> ... -> m");
        }
        List<Linear> chain = ordered.layers();
        int decoderLayers = ordered.decoderLayers();
        Points probes = probes(k);
        float[] want = torchMap(map, probes);
        for (Activation decoderOut : new Activation[] {Activation.SIGMOID, Activation.IDENTITY}) {
            for (Activation hidden : Activation.values()) {
                List<NativeMlp.Layer> layers = new ArrayList<>();
                for (int i = 0; i < chain.size(); i++) {
                    Linear l = chain.get(i);
                    Activation a = i == chain.size() - 1 ? Activation.IDENTITY : i == decoderLayers - 1 ? decoderOut : hidden;
                    layers.add(new NativeMlp.Layer(l.in(), l.out(), l.weight(), l.bias(), a));
                }
                float[] got;
                try (NativeMlp mlp = NativeMlp.create(layers, Device.CPU)) {
                    got = mlp.apply(probes.data, probes.n);
                }
                if (matches(got, want)) {
                    return new Outcome(List.copyOf(layers), null);
                }
            }
        }
        return new Outcome(null, "no stack of its Linear layers with ReLU, tanh, sigmoid, GELU or identity activations reproduces"
                + " encode(decode(z))");
    }

    /** The layers of f, decoder first, and how many belong to the decoder. */
    private record Chain(List<Linear> layers, int decoderLayers) {}

    /** Decoder layers first (k -> ... -> m), then the encoder (m -> ... -> k); null when impossible. */
    private static Chain order(List<Linear> linears, int k) {
        int n = linears.size();
        for (int s = 1; s < n; s++) {
            List<Linear> first = linears.subList(0, s), second = linears.subList(s, n);
            if (chains(first) && chains(second)) {
                int m1 = first.get(0).in(), e1 = first.get(s - 1).out();
                int m2 = second.get(0).in(), e2 = second.get(n - s - 1).out();
                if (m1 != k && e1 == k && m2 == k && e2 == m1) { // encoder first
                    List<Linear> out = new ArrayList<>(second);
                    out.addAll(first);
                    return new Chain(out, n - s);
                }
                if (m1 == k && e1 != k && m2 == e1 && e2 == k) { // decoder first
                    return new Chain(new ArrayList<>(linears), s);
                }
            }
        }
        return null;
    }

    private static boolean chains(List<Linear> layers) {
        for (int i = 1; i < layers.size(); i++) {
            if (layers.get(i).in() != layers.get(i - 1).out()) {
                return false;
            }
        }
        return true;
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

    private static boolean matches(float[] got, float[] want) {
        double scale = 0, diff = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            diff = Math.max(diff, Math.abs(got[i] - want[i]));
        }
        return diff <= PROBE_TOLERANCE * (1 + scale);
    }
}
