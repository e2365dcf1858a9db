package org.latentfield.map.torch;

import java.util.List;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeLibraries;
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
 * the reason, and the model runs in LibTorch. Agreement with LibTorch on probe points
 * ({@link ProbeAgreement}) is checked afterwards only as a safety net: a mismatch means the
 * reader is wrong, and the model is refused with that reason too.
 */
public final class MlpExtraction {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

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

    /** Reads and verifies ({@link GraphAdmission}); never throws for a model that does not qualify. */
    public static Outcome extract(TorchScriptAutoencoder map) {
        GraphAdmission.Admitted<NativeMlp.Layer> a = GraphAdmission.admit(map,
                (decode, dn, encode, en) -> LinearStackReader.read(decode, dn, encode, en, map.latentDim()),
                layers -> NativeMlp.create(layers, Device.CPU), "liblf's MLP engine");
        return new Outcome(a.layers(), a.reason());
    }
}
