package org.latentfield.map.torch;

import java.util.List;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Method;
import org.latentfield.kernels.NativeEngine;
import org.latentfield.kernels.NativeKernelException;
import org.latentfield.kernels.NativeLibraries;

/**
 * The admission both of liblf's engines use ({@link MlpExtraction}, {@link NetExtraction}): float32
 * models only; the layers read from the TorchScript graphs of decode and encode by structure (a
 * {@link GraphRefusal} or an unreadable graph refuses with the reason); then a plan built from them
 * must agree with LibTorch on probe points ({@link ProbeAgreement}), the safety net against a wrong
 * reader. Never throws for a model that does not qualify.
 */
final class GraphAdmission {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private GraphAdmission() {}

    /** Reads f's layers, decoder first, from the two methods (named for messages). */
    interface Reader<L> {
        List<L> read(Method decode, String decodeName, Method encode, String encodeName);
    }

    /** The layers, or (layers null) the reason the model does not qualify. */
    record Admitted<L>(List<L> layers, String reason) {}

    static <L> Admitted<L> admit(TorchScriptAutoencoder map, Reader<L> reader, Function<List<L>, NativeEngine> plan, String engine) {
        String dtype = map.contract().dtype();
        if (!dtype.equals("float32")) {
            return new Admitted<>(null, "the model computes in " + dtype + " and the native engine in float32");
        }
        List<L> layers;
        try (PointerScope scope = new PointerScope()) {
            Method decode = map.decodeMethod(), encode = map.encodeMethod();
            layers = reader.read(decode, name(decode, "decode", "decoder"), encode, name(encode, "encode", "encoder"));
        } catch (GraphRefusal r) {
            return new Admitted<>(null, r.getMessage());
        } catch (RuntimeException e) {
            return new Admitted<>(null, "its TorchScript graphs could not be read: " + TorchErrors.cause(e));
        }
        String refusal;
        try (NativeEngine built = plan.apply(layers)) {
            refusal = ProbeAgreement.refusal(map, built::apply);
        } catch (NativeKernelException | IllegalArgumentException e) {
            refusal = engine + " refused the layers read from its graphs: " + e.getMessage();
        }
        return refusal == null ? new Admitted<>(List.copyOf(layers), null) : new Admitted<>(null, refusal);
    }

    /** "decode", or "the decoder's forward" for an encoder/decoder pair. */
    private static String name(Method m, String expected, String role) {
        String name = m.name().getString();
        return name.equals(expected) ? name : "the " + role + "'s " + name;
    }
}
