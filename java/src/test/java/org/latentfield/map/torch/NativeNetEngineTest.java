package org.latentfield.map.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.kernels.NativeKernelException;
import org.latentfield.kernels.NativeNet;
import org.latentfield.map.ModelSource;

/**
 * liblf's network engine through its Java facade computes the f and the Jacobians LibTorch
 * computes for the same conv autoencoder: a TorchScript module written with aten ops (addmm,
 * ReLU, reshape, conv_transpose2d stride 2 with output padding, sigmoid; constant_pad_nd,
 * conv2d stride 2, leaky_relu, flatten, addmm), and the same weights handed to {@link NativeNet}
 * layer by layer. This checks the layouts (PyTorch's weight orders, NCHW rows, the pad) end to
 * end; reading the layers from the graphs is the next step of issue 13.
 */
class NativeNetEngineTest {
    private static final int K = 6;

    @TempDir
    Path dir;

    @Test
    void theNetworkEngineComputesLibTorchsFAndJacobians() throws Exception {
        SplittableRandom r = new SplittableRandom(13);
        float[] dw = gaussian(r, 64 * K, 0.4), db = gaussian(r, 64, 0.1), tw = gaussian(r, 4 * 3 * 9, 0.3), tb = gaussian(r, 3, 0.1),
                cw = gaussian(r, 5 * 3 * 9, 0.3), cb = gaussian(r, 5, 0.1), ew = gaussian(r, K * 125, 0.1), eb = gaussian(r, K, 0.1);
        Path model = TestModels.builder().eval().intList("latent_shape", K).intList("input_shape", 3, 8, 8)
                .param("dw", dw, 64, K).param("db", db, 64).param("tw", tw, 4, 3, 3, 3).param("tb", tb, 3)
                .param("cw", cw, 5, 3, 3, 3).param("cb", cb, 5).param("ew", ew, K, 125).param("eb", eb, K)
                .method("def decode(self, z):\n    h = torch.relu(torch.addmm(self.db, z, self.dw.t())).reshape([-1, 4, 4, 4])\n"
                        + "    return torch.sigmoid(torch.conv_transpose2d(h, self.tw, self.tb, [2, 2], [1, 1], [1, 1]))\n")
                .method("def encode(self, x):\n    h = torch.constant_pad_nd(x, [1, 1, 1, 1], 0.0)\n"
                        + "    h = torch.leaky_relu(torch.conv2d(h, self.cw, self.cb, [2, 2], [1, 1]), 0.1)\n"
                        + "    return torch.addmm(self.eb, torch.flatten(h, 1), self.ew.t())\n")
                .save(dir.resolve("conv-ae.pt"));
        List<NativeNet.Layer> layers = List.of(new NativeNet.Linear(K, 64, dw, db), new NativeNet.Act(64, NativeNet.Activation.RELU, 0),
                new NativeNet.Conv(4, 4, 4, 3, 3, 3, 2, 2, 1, 1, 1, 1, true, tw, tb), new NativeNet.Act(192, NativeNet.Activation.SIGMOID, 0),
                new NativeNet.Pad(3, 8, 8, 1, 1, 1, 1, 0f), new NativeNet.Conv(3, 10, 10, 5, 3, 3, 2, 2, 1, 1, 0, 0, false, cw, cb),
                new NativeNet.Act(125, NativeNet.Activation.LEAKY_RELU, 0.1f), new NativeNet.Linear(125, K, ew, eb));
        int rows = 16;
        float[] z = gaussian(r, rows * K, 1.0);
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model)); NativeNet net = NativeNet.create(layers)) {
            assertEquals(K, net.latentDim());
            List<NativeNet.Layer> read = NetChainReader.read(map.calls().decodeMethod(), "decode", map.calls().encodeMethod(), "encode",
                    map.contract().latent());
            assertEquals(layers.size(), read.size(), "the graphs read as the layers written by hand: " + read);
            try (NativeNet fromGraphs = NativeNet.create(read)) {
                assertTrue(java.util.Arrays.equals(net.apply(z, rows), fromGraphs.apply(z, rows)), "the layers read give the same f bit for bit");
            }
            float[] torchF = TestModels.apply(map, z, rows);
            float[] nativeF = net.apply(z, rows);
            assertTrue(maxDiff(torchF, nativeF) <= 1e-5, "f differs from LibTorch's by " + maxDiff(torchF, nativeF));
            float[] torchJ = autograd(map).jacobians(z, rows); // LibTorch autograd itself, not map.jacobians (which may be the engine)
            float[] nativeJ = net.jacobians(z, rows);
            // measured: f 4.8e-7, J 1.0e-7 with max |J| 0.174
            System.out.printf("NativeNetEngineTest: f differs from LibTorch's by %.2g, J from autograd's by %.2g (max |J| %.3g)%n",
                    maxDiff(torchF, nativeF), maxDiff(torchJ, nativeJ), maxAbs(torchJ));
            assertTrue(maxDiff(torchJ, nativeJ) <= 1e-5, "J differs from LibTorch autograd's by " + maxDiff(torchJ, nativeJ));
            assertTrue(maxAbs(torchJ) > 1e-2, "a Jacobian this small would not test anything: " + maxAbs(torchJ));
            org.latentfield.kernels.NativeRun run = net.fixedPoints(z, rows, 1e-10, 50, 1e6, 4, 0, 0);
            for (int p = 0; p < rows; p++) {
                assertTrue(run.iterations()[p] >= 1 && run.iterations()[p] <= 50, "iterations of start " + p + ": " + run.iterations()[p]);
            }
        }
    }

    /**
     * The layers read from the graphs ({@link NetChainReader}) of the shipped fmnist-conv-k16
     * (constant_pad_nd, four stride-2 conv2d with ReLU, flatten, addmm; addmm, ReLU, reshape, four
     * stride-2 conv_transpose2d with output padding, sigmoid, the crop by slicing) give
     * LibTorch's f and Jacobians; a model with a max-pool is refused naming the op.
     */
    @Test
    void theShippedConvModelIsReadFromItsGraphs() throws Exception {
        Path shipped = Path.of("../models/fmnist-conv-k16.pt");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(shipped), "models/ is not beside the java module");
        int rows = 8;
        float[] z = gaussian(new SplittableRandom(5), rows * 16, 1.0);
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(shipped))) {
            assertTrue(map.jacobiansBy().isEmpty(), "no Jacobian taken yet, so no summary names a source");
            List<NativeNet.Layer> layers = NetChainReader.read(map.calls().decodeMethod(), "decode", map.calls().encodeMethod(), "encode",
                    map.contract().latent());
            assertEquals(22, layers.size(), "linear, relu, 4 x (convT, act), two crops (one per slice), pad, 4 x (conv, relu), linear: " + layers);
            try (NativeNet net = NativeNet.create(layers)) {
                float[] torchF = TestModels.apply(map, z, rows);
                float[] nativeF = net.apply(z, rows);
                double scale = 1 + maxAbs(torchF);
                // measured: 2.3e-5 on values up to about 90
                System.out.printf("NativeNetEngineTest: fmnist-conv-k16 read from its graphs: f differs by %.2g (max |f| %.3g)%n",
                        maxDiff(torchF, nativeF), scale - 1);
                assertTrue(maxDiff(torchF, nativeF) <= 1e-5 * scale, "f differs from LibTorch's by " + maxDiff(torchF, nativeF));
                float[] torchJ = autograd(map).jacobians(z, 2);
                float[] nativeJ = net.jacobians(z, 2);
                assertTrue(maxDiff(torchJ, nativeJ) <= 1e-4 * (1 + maxAbs(torchJ)), "J differs by " + maxDiff(torchJ, nativeJ));
                // the map itself differentiates with the engine, having checked it against autograd
                assertTrue(maxDiff(torchJ, map.jacobians(z, 2)) <= 1e-4 * (1 + maxAbs(torchJ)), "map.jacobians differs from autograd's");
                assertTrue(map.jacobianSource().startsWith("liblf network engine, forward mode (agrees with LibTorch autograd within "),
                        map.jacobianSource());
                assertEquals(map.jacobianSource(), org.latentfield.report.ModelReport.facts(map).get("jacobians"),
                        "summaries name who took the Jacobians");
            }
        }
    }

    @Test
    void aMaxPoolIsRefusedNamingTheOp() throws Exception {
        Path model = TestModels.maxPool(dir.resolve("pool.pt"));
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model))) {
            GraphRefusal e = assertThrows(GraphRefusal.class, () -> NetChainReader.read(map.calls().decodeMethod(), "decode",
                    map.calls().encodeMethod(), "encode", map.contract().latent()));
            assertTrue(e.getMessage().startsWith("encode uses aten::max_pool2d"), e.getMessage());
        }
    }

    @Test
    void aChainWhoseSizesDoNotMatchIsRefusedNamingTheLayer() {
        NativeKernelException e = assertThrows(NativeKernelException.class, () -> NativeNet.create(List.of(
                new NativeNet.Linear(4, 12, new float[48], null), new NativeNet.Act(10, NativeNet.Activation.TANH, 0),
                new NativeNet.Linear(10, 4, new float[40], null))));
        assertTrue(e.getMessage().contains("layer 1 takes rows of 10 values but layer 0 gives 12"), e.getMessage());
    }

    /** An MLP model has no convolution: autograd differentiates it. */
    @Test
    void aModelWithoutConvolutionsKeepsAutograd() throws Exception {
        SplittableRandom r = new SplittableRandom(4);
        Path model = TestModels.builder().eval().latentDim(3).param("dw", gaussian(r, 15, 0.5), 5, 3).param("ew", gaussian(r, 15, 0.5), 3, 5)
                .method("def decode(self, z):\n    return torch.tanh(torch.mm(z, self.dw.t()))\n")
                .method("def encode(self, x):\n    return torch.mm(x, self.ew.t())\n")
                .save(dir.resolve("mlp.pt"));
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model))) {
            map.jacobians(new float[3], 1);
            assertEquals("LibTorch autograd", map.jacobianSource());
        }
    }

    private static TorchJacobians autograd(TorchScriptAutoencoder map) {
        return new TorchJacobians(map, map.calls().device());
    }

    private static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * r.nextGaussian());
        }
        return v;
    }

    private static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Float.isNaN(a[i] - b[i]) ? Double.POSITIVE_INFINITY : Math.abs(a[i] - b[i]));
        }
        return d;
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
