package org.latentfield.map.torch;

import java.util.ArrayList;
import java.util.List;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.kernels.NativeNet;

/**
 * Admits an autoencoder to liblf's network engine ({@link NativeNet}: linear, convolution,
 * activation and padding layers) when the TorchScript graphs of its decode and encode provably
 * compute such a chain ({@link NetChainReader}, by structure alone), and reads it. As for the MLP
 * engine ({@link MlpExtraction}): float32 models only; agreement with LibTorch on probe points
 * ({@link ProbeAgreement}) is a safety net against a wrong reader, never the admission; anything
 * else is refused with the reason. Where the plan runs (CPU or its CUDA twin) is the caller's
 * choice.
 */
public final class NetExtraction {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private NetExtraction() {}

    /** The chain of f = E(D(.)), decoder first, or the reason the model does not qualify. */
    public record Outcome(List<NativeNet.Layer> layers, String reason) {
        public boolean ok() {
            return layers != null;
        }

        /**
         * e.g. "16 -> linear 512, 4 conv_transpose2d to 1 x 32 x 32, crop, pad, 4 conv2d to 128 x 2 x 2,
         * linear 16" or "4 x 8 x 8 -> 3 conv_transpose2d to 3 x 32 x 32, 3 conv2d to 4 x 8 x 8"
         * (activations left out), or the reason.
         */
        public String describe() {
            return ok() ? NetExtraction.describe(layers) : reason;
        }
    }

    /** Reads and verifies ({@link GraphAdmission}); never throws for a model that does not qualify. */
    public static Outcome extract(TorchScriptAutoencoder map) {
        GraphAdmission.Admitted<NativeNet.Layer> a = GraphAdmission.admit(map,
                (decode, dn, encode, en) -> NetChainReader.read(decode, dn, encode, en, map.contract().latent()), NativeNet::create,
                "liblf's network engine");
        return new Outcome(a.layers(), a.reason());
    }

    static String describe(List<NativeNet.Layer> layers) {
        List<String> parts = new ArrayList<>();
        String runKind = null;
        int run = 0;
        String runEnd = null;
        for (NativeNet.Layer layer : layers) {
            if (layer instanceof NativeNet.Conv c) {
                String kind = c.transposed() ? "conv_transpose2d" : "conv2d";
                if (!kind.equals(runKind)) {
                    flush(parts, runKind, run, runEnd);
                    runKind = kind;
                    run = 0;
                }
                run++;
                runEnd = c.outChannels() + " x " + outSide(c.height(), c.kernelH(), c.strideH(), c.padH(), c.outputPadH(), c.transposed()) + " x "
                        + outSide(c.width(), c.kernelW(), c.strideW(), c.padW(), c.outputPadW(), c.transposed());
                continue;
            }
            if (layer instanceof NativeNet.Act) {
                continue;
            }
            flush(parts, runKind, run, runEnd);
            runKind = null;
            if (layer instanceof NativeNet.Linear l) {
                parts.add("linear " + l.out());
            } else if (layer instanceof NativeNet.Pad p) {
                parts.add(p.top() < 0 || p.bottom() < 0 || p.left() < 0 || p.right() < 0 ? "crop" : "pad");
            }
        }
        flush(parts, runKind, run, runEnd);
        NativeNet.Layer first = layers.get(0);
        String from = first instanceof NativeNet.Linear l ? String.valueOf(l.in())
                : first instanceof NativeNet.Conv c ? c.inChannels() + " x " + c.height() + " x " + c.width()
                : first instanceof NativeNet.Pad p ? p.channels() + " x " + p.height() + " x " + p.width()
                : String.valueOf(((NativeNet.Act) first).size());
        return from + " -> " + String.join(", ", parts);
    }

    private static void flush(List<String> parts, String kind, int run, String end) {
        if (kind != null) {
            parts.add((run > 1 ? run + " " : "") + kind + " to " + end);
        }
    }

    /** A convolution's output height (or width) from its input's, as PyTorch computes it. */
    private static int outSide(int in, int kernel, int stride, int pad, int outputPad, boolean transposed) {
        return transposed ? (in - 1) * stride - 2 * pad + kernel + outputPad : (in + 2 * pad - kernel) / stride + 1;
    }
}
