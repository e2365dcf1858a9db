package org.latentfield.map.torch;

/**
 * Why a TorchScript graph is not admitted to the native engine: one clause naming the method
 * and the op, e.g. "decode uses aten::clamp, which the native engine does not run". Thrown
 * inside the graph reader and turned into {@link MlpExtraction.Outcome#reason()}; never leaves
 * this package.
 */
final class GraphRefusal extends RuntimeException {
    GraphRefusal(String reason) {
        super(reason, null, false, false);
    }
}
