package org.latentfield.report;

import java.util.LinkedHashMap;
import java.util.Map;
import org.latentfield.map.ModelContract;
import org.latentfield.map.torch.TorchScriptAutoencoder;

/** The "model" object of every summary.json: the model's contract and the sha256 of its archives. */
public final class ModelReport {
    private ModelReport() {}

    /**
     * The contract's facts ({@link ModelContract#facts()}) with {@code sha256} after the path (and
     * {@code decoder_sha256} after a pair's decoder); {@code device} is where the model ran.
     */
    /**
     * {@link #facts(ModelContract)} of an open model, plus {@code jacobians}: who differentiated it
     * (LibTorch autograd or liblf's network engine), where the command took Jacobians.
     */
    public static Map<String, Object> facts(TorchScriptAutoencoder map) {
        Map<String, Object> m = facts(map.contract());
        map.jacobiansBy().ifPresent(by -> m.put("jacobians", by));
        return m;
    }

    public static Map<String, Object> facts(ModelContract contract) {
        Map<String, Object> m = new LinkedHashMap<>();
        contract.facts().forEach((key, value) -> {
            m.put(key, value);
            if (key.equals("path")) {
                m.put("sha256", FileDigest.sha256(contract.model()));
            } else if (key.equals("decoder")) {
                m.put("decoder_sha256", FileDigest.sha256(contract.decoder().orElseThrow()));
            }
        });
        return m;
    }
}
