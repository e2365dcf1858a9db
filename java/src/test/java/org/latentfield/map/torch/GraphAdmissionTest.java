package org.latentfield.map.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.kernels.NativeMlp.Activation;
import org.latentfield.map.ModelSource;

/**
 * Admission to the native MLP engine by the structure of the TorchScript graphs (issue 10):
 * models written with JitModule.define, each refused op named in the reason, each admitted
 * variant matching LibTorch's f within 1e-4.
 */
class GraphAdmissionTest {
    private static final double AGREEMENT = 1e-4;
    /** With this seed the clamp of issue 10 moves {@link TestModels#mlp}'s attractors by 3. */
    static final long SEED = 4;

    @TempDir
    Path dir;

    private int saved;

    private MlpExtraction.Outcome extract(Path model) {
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model))) {
            return MlpExtraction.extract(map);
        }
    }

    private Path mlp(String decodeInput) throws Exception {
        return TestModels.mlp(dir.resolve("m" + saved++ + ".pt"), decodeInput, SEED);
    }

    private Path model(String encode, String decode) throws Exception {
        return model(encode, decode, TestModels.MLP_FORWARD);
    }

    private Path model(String encode, String decode, String forward) throws Exception {
        return TestModels.mlpBuilder(SEED).method(encode).method(decode).method(forward).save(dir.resolve("m" + saved++ + ".pt"));
    }

    @Test
    void theClampOfIssue10IsRefusedAndWouldHaveChangedTheEndpoints() throws Exception {
        Path clamped = mlp("torch.clamp(z, -20.0, 20.0)");
        MlpExtraction.Outcome o = extract(clamped);
        assertFalse(o.ok());
        assertEquals("decode uses aten::clamp, which the native engine does not run", o.reason());

        // the same layers without the clamp (what reading the parameters alone gives) move the attractors
        MlpExtraction.Outcome plain = extract(mlp("z"));
        assertTrue(plain.ok(), plain.reason());
        Points z0 = StartPoints.uniform(200, 2, -60, 60, 5);
        FixedPointSolver.Options opts = new FixedPointSolver.Options(1e-8, 2000, 1e6, 64, 0);
        FixedPointResult torch;
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(clamped))) {
            torch = FixedPointSolver.solve(map, z0, opts);
        }
        FixedPointResult wrong;
        try (NativeMlp mlp = NativeMlp.create(plain.layers(), Device.CPU)) {
            wrong = FixedPointSolver.solveNative(mlp, z0, opts, done -> { });
        }
        double worst = 0;
        for (int i = 0; i < z0.n(); i++) {
            for (int j = 0; j < 2; j++) {
                worst = Math.max(worst, Math.abs(torch.endpoints().get(i, j) - wrong.endpoints().get(i, j)));
            }
        }
        assertTrue(worst > 1, "the clamp must matter for this model; endpoints differ by only " + worst);
    }

    @Test
    void opsOutsideTheAdmittedSetAreRefusedNamingOpAndMethod() throws Exception {
        assertEquals("decode uses aten::abs, which the native engine does not run", extract(mlp("torch.abs(z)")).reason());
        assertEquals("decode uses aten::layer_norm, which the native engine does not run",
                extract(mlp("torch.layer_norm(z, [2])")).reason());
        assertEquals("decode combines two values computed from its input in aten::add, which the native engine does not run",
                extract(mlp("z + torch.tanh(z)")).reason());
        assertEquals("decode applies aten::tanh before any Linear layer; the native engine runs one activation after each Linear layer",
                extract(mlp("torch.tanh(z)")).reason());
        // Dropout left on never reaches the reader: the loader's determinism check refuses the model
        org.latentfield.LatentfieldException dropout = org.junit.jupiter.api.Assertions.assertThrows(org.latentfield.LatentfieldException.class,
                () -> extract(mlp("torch.dropout(z, 0.5, True)")));
        assertTrue(dropout.getMessage().contains("not deterministic"), dropout.getMessage());
        assertEquals("decode modifies a tensor in place (aten::clamp_), which the native engine does not run",
                extract(mlp("z.clone().clamp_(-20.0, 20.0)")).reason());
        assertEquals("decode has control flow (prim::If), which the native engine does not run",
                extract(model(TestModels.MLP_ENCODE, TestModels.mlpDecode("z if z.size(1) > 1 else -z"))).reason());
        assertEquals("decode computes a weight of aten::addmm with aten::mul; the native engine reads weights from parameters or"
                + " constants only", extract(model(TestModels.MLP_ENCODE,
                TestModels.mlpDecode("z").replace("self.d0_w.t()", "(self.d0_w * 2.0).t()"))).reason());
        assertEquals("encode uses aten::gelu with approximate='tanh'; the native engine runs the exact (erf) GELU only",
                extract(model(TestModels.MLP_ENCODE.replace("torch.tanh(torch.addmm(self.e0_b, x, self.e0_w.t()))",
                        "torch.gelu(torch.addmm(self.e0_b, x, self.e0_w.t()), approximate='tanh')"),
                        TestModels.mlpDecode("z"))).reason());
        assertEquals("decode takes 2 arguments; the native engine runs methods of one tensor", extract(model(TestModels.MLP_ENCODE,
                TestModels.mlpDecode("z * scale").replace("def decode(self, z):", "def decode(self, z, scale: float = 1.0):"))).reason());
    }

    @Test
    void linearStacksWrittenInOtherWaysAreAdmittedAndMatchLibTorch() throws Exception {
        String mmDecode = """
                def decode(self, z):
                    h = torch.tanh(torch.mm(z, self.d0_w.t()) + self.d0_b)
                    return torch.linear(h, self.d1_w, self.d1_b).reshape([-1, 2, 3])
                """;
        String viewEncode = """
                def encode(self, x):
                    h = x.view(x.size(0), -1)
                    h = torch.dropout(torch.tanh(torch.matmul(h, self.e0_w.transpose(0, 1)) + self.e0_b), 0.5, False)
                    mu = torch.addmm(self.e1_b, h, self.e1_w.t())
                    return mu, torch.relu(mu)
                """;
        List<Activation> tanhStack = List.of(Activation.TANH, Activation.IDENTITY, Activation.TANH, Activation.IDENTITY);
        admittedAndAgrees(mlp("z"), "2 -> 8 -> 6 -> 8 -> 2", tanhStack);
        admittedAndAgrees(model(viewEncode, mmDecode, "def forward(self, x):\n    return self.decode(self.encode(x)[0])\n"),
                "2 -> 8 -> 6 -> 8 -> 2", tanhStack);
        admittedAndAgrees(model(TestModels.MLP_ENCODE, TestModels.mlpDecode("torch.dropout(z, 0.5, False).contiguous()")),
                "2 -> 8 -> 6 -> 8 -> 2", tanhStack);
        admittedAndAgrees(TestModels.linear(dir.resolve("linear.pt"), new float[] {0.5f, 0.2f, -0.1f, 0.7f}, 2), "2 -> 2",
                List.of(Activation.IDENTITY));
    }

    private void admittedAndAgrees(Path model, String layers, List<Activation> activations) {
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model))) {
            MlpExtraction.Outcome o = MlpExtraction.extract(map);
            assertTrue(o.ok(), model + ": " + o.reason());
            assertEquals(layers, o.describe());
            assertEquals(activations, o.layers().stream().map(NativeMlp.Layer::activation).toList());
            assertTrue(disagreement(map, o.layers(), StartPoints.uniform(256, 2, -40, 40, 9)) <= AGREEMENT, model.toString());
        }
    }

    /** max over points of max_j |f_native - f_torch| / (1 + max_j |f_torch|). */
    static double disagreement(TorchScriptAutoencoder map, List<NativeMlp.Layer> layers, Points z) {
        int n = z.n(), k = z.dim();
        float[] want = new float[n * k];
        try (NativeMatrix in = new NativeMatrix(n, k); NativeMatrix out = new NativeMatrix(n, k)) {
            in.putRows(z.data(), 0, 0, n);
            map.apply(in, out, n);
            out.getRows(0, want, 0, n);
        }
        float[] got;
        try (NativeMlp mlp = NativeMlp.create(layers, Device.CPU)) {
            got = mlp.apply(z.data(), n);
        }
        double worst = 0;
        for (int p = 0; p < n; p++) {
            double scale = 0, diff = 0;
            for (int j = 0; j < k; j++) {
                scale = Math.max(scale, Math.abs(want[p * k + j]));
                diff = Math.max(diff, Math.abs(got[p * k + j] - want[p * k + j]));
            }
            worst = Math.max(worst, diff / (1 + scale));
        }
        return worst;
    }
}
