package org.latentfield.map.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.PythonPeer;
import org.latentfield.data.StartPoints;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.map.ModelSource;

/**
 * Graph admission on models written the way PyTorch users write them (graph_models.py, run
 * with Debian's python3-torch): nn.Sequential MLPs scripted and traced, with ReLU, Tanh,
 * Sigmoid, GELU and Dropout, are admitted and match LibTorch within 1e-4; models with an op
 * outside the admitted set are refused naming it.
 */
class GraphAdmissionPeerTest {
    private static final PythonPeer PYTHON = PythonPeer.find("torch");
    private static final String STACK = "3 -> 32 -> 784 -> 32 -> 3";

    @TempDir
    static Path dir;

    /** Admitted models: the activation of the first (hidden decoder) layer; the decoder's output is sigmoid. */
    private static final Map<String, NativeMlp.Activation> ADMITTED = Map.of(
            "scripted-relu-dropout", NativeMlp.Activation.RELU,
            "scripted-tanh", NativeMlp.Activation.TANH,
            "scripted-sigmoid-nobias", NativeMlp.Activation.SIGMOID,
            "scripted-gelu", NativeMlp.Activation.GELU,
            "scripted-view", NativeMlp.Activation.RELU,
            "scripted-vae", NativeMlp.Activation.RELU,
            "traced-tanh-dropout", NativeMlp.Activation.TANH,
            "traced-gelu-view", NativeMlp.Activation.GELU);

    private static final Map<String, String> REFUSED = Map.of(
            "clamp", "decode uses aten::clamp, which the native engine does not run",
            "abs", "decode uses aten::abs, which the native engine does not run",
            "residual", "decode combines two values computed from its input in aten::add, which the native engine does not run",
            "layer-norm", "encode uses aten::layer_norm, which the native engine does not run",
            "branch", "decode has control flow (prim::If), which the native engine does not run",
            "tanh-gelu", "encode uses aten::gelu with approximate='tanh'; the native engine runs the exact (erf) GELU only");

    private static TorchScriptAutoencoder open(String name) throws Exception {
        if (!dir.resolve("clamp.pt").toFile().exists()) {
            PYTHON.require("python3-torch");
            assertEquals("exported 16", PYTHON.run(dir, "/map/torch/graph_models.py", "export", dir.toString()));
        }
        // traced modules keep no latent_dim attribute
        return TorchScriptAutoencoder.open(new ModelSource(dir.resolve(name + ".pt"), Optional.empty(), Optional.of(org.latentfield.map.Shape.of(3)), "cpu"));
    }

    @Test
    void pytorchMlpsScriptedAndTracedAreAdmittedAndMatchLibTorch() throws Exception {
        for (var e : ADMITTED.entrySet()) {
            try (TorchScriptAutoencoder map = open(e.getKey())) {
                long t0 = System.nanoTime();
                MlpExtraction.Outcome o = MlpExtraction.extract(map);
                double ms = (System.nanoTime() - t0) / 1e6;
                assertTrue(o.ok(), e.getKey() + ": " + o.reason());
                assertEquals(STACK, o.describe(), e.getKey());
                NativeMlp.Activation hidden = e.getValue();
                assertEquals(List.of(hidden, NativeMlp.Activation.SIGMOID, hidden, NativeMlp.Activation.IDENTITY),
                        o.layers().stream().map(NativeMlp.Layer::activation).toList(), e.getKey());
                double d = GraphAdmissionTest.disagreement(map, o.layers(), StartPoints.gaussian(256, 3, 5.0, 2));
                assertTrue(d <= 1e-4, e.getKey() + ": native f differs from LibTorch's by " + d);
                System.out.printf("graph admission %-24s %s in %.0f ms, |f_native - f_torch| %.2g%n", e.getKey(), STACK, ms, d);
            }
        }
        try (TorchScriptAutoencoder map = open("scripted-functional")) { // h @ W.t() + b, F.linear without bias, matmul + b
            MlpExtraction.Outcome o = MlpExtraction.extract(map);
            assertEquals("3 -> 16 -> 784 -> 3", o.describe());
            assertEquals(List.of(NativeMlp.Activation.TANH, NativeMlp.Activation.SIGMOID, NativeMlp.Activation.IDENTITY),
                    o.layers().stream().map(NativeMlp.Layer::activation).toList());
            assertTrue(GraphAdmissionTest.disagreement(map, o.layers(), StartPoints.gaussian(256, 3, 5.0, 2)) <= 1e-4);
        }
    }

    @Test
    void pytorchModelsWithOtherOpsAreRefusedNamingTheOp() throws Exception {
        for (var e : REFUSED.entrySet()) {
            try (TorchScriptAutoencoder map = open(e.getKey())) {
                MlpExtraction.Outcome o = MlpExtraction.extract(map);
                assertFalse(o.ok(), e.getKey());
                assertEquals(e.getValue(), o.reason(), e.getKey());
            }
        }
        // a trace made in training mode keeps Dropout on: the loader refuses it before any engine is chosen
        org.latentfield.LatentfieldException training = org.junit.jupiter.api.Assertions.assertThrows(
                org.latentfield.LatentfieldException.class, () -> open("traced-relu-dropout-training").close());
        assertTrue(training.getMessage().contains("not deterministic") && training.getMessage().contains("model.eval()"), training.getMessage());
    }
}
