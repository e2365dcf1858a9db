package org.latentfield.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.LatentfieldException;
import org.latentfield.PythonPeer;
import org.latentfield.data.ImageSet;
import org.latentfield.data.Npy;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.TestModels;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.map.torch.TorchTrainer;

/** The spatial-bottleneck conv autoencoder: its layers, training on colour images, and its archive in LibTorch and PyTorch. */
class SpatialTrainingTest {
    private static final PythonPeer PYTHON = PythonPeer.find("torch, numpy");

    @TempDir
    Path dir;

    /** n 3 x 32 x 32 images: a random linear colour ramp plus a Gaussian spot of a random colour, in [0, 1]. */
    static ImageSet colourImages(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] px = new float[n * 3 * 32 * 32];
        for (int i = 0; i < n; i++) {
            double cy = r.nextDouble(4, 28), cx = r.nextDouble(4, 28), s = r.nextDouble(2, 6);
            for (int c = 0; c < 3; c++) {
                double a = r.nextDouble(0.1, 0.5), gy = r.nextDouble(-0.01, 0.01), gx = r.nextDouble(-0.01, 0.01), spot = r.nextDouble(0, 0.4);
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        double g = Math.exp(-((y - cy) * (y - cy) + (x - cx) * (x - cx)) / (2 * s * s));
                        px[((i * 3 + c) * 32 + y) * 32 + x] = (float) (a + gy * y + gx * x + spot * g);
                    }
                }
            }
        }
        return new ImageSet("colour-spots", n, 3, 32, 32, px, null);
    }

    @Test
    void layersOfTheSpatialBottleneck() {
        Architecture a = ConvArchitecture.spatial(new int[] {3, 32, 32}, 8, new int[] {4, 8, 8});
        assertEquals("conv-spatial", a.name());
        assertEquals(256, a.latentDim());
        assertArrayEquals(new int[] {4, 8, 8}, a.latentShape());
        // enc 3->8 s2, 8->16 s2, 16->4 s1; dec 4->16 s1, 16->8 s2, 8->3 s2 (3x3 kernels, with biases)
        assertEquals((8 * 3 * 9 + 8) + (16 * 8 * 9 + 16) + (4 * 16 * 9 + 4) + (4 * 16 * 9 + 16) + (16 * 8 * 9 + 8) + (8 * 3 * 9 + 3),
                a.parameterCount());
        assertTrue(a.source().contains("return torch.conv2d(h, self.enc_code_w, self.enc_code_b, [1, 1], [1, 1])"), a.source());
        assertTrue(a.source().contains("torch.sigmoid(torch.conv_transpose2d(h, self.dec1_w, self.dec1_b, [2, 2], [1, 1], [1, 1]))"), a.source());
        Architecture same = ConvArchitecture.spatial(new int[] {3, 8, 8}, 8, new int[] {2, 8, 8});
        assertEquals((2 * 3 * 9 + 2) + (2 * 3 * 9 + 3), same.parameterCount(), "no stride-2 stage: one conv each way");
        assertTrue(same.source().contains("torch.sigmoid(torch.conv_transpose2d(h, self.dec_code_w"), same.source());
    }

    @Test
    void latentShapesThatDoNotFitAreRefused() {
        String m = assertThrows(LatentfieldException.class, () -> ConvArchitecture.spatial(new int[] {3, 32, 32}, 8, new int[] {4, 7, 7})).getMessage();
        assertTrue(m.contains("does not fit 32 x 32 images"), m);
        m = assertThrows(LatentfieldException.class, () -> ConvArchitecture.spatial(new int[] {3, 32, 32}, 8, new int[] {4, 8, 16})).getMessage();
        assertTrue(m.contains("the same power of 2"), m);
        m = assertThrows(LatentfieldException.class, () -> ConvArchitecture.spatial(new int[] {784}, 8, new int[] {4, 8, 8})).getMessage();
        assertTrue(m.contains("use --arch mlp"), m);
        m = assertThrows(LatentfieldException.class, () -> ConvArchitecture.check(8, new int[] {4, 8})).getMessage();
        assertTrue(m.contains("K (flat) or C,H,W"), m);
        m = assertThrows(LatentfieldException.class, () -> ConvArchitecture.check(8, new int[] {0, 8, 8})).getMessage();
        assertTrue(m.contains("--width and --latent must be positive integers, got 8 and 0 x 8 x 8"), m);
    }

    @Test
    void aColourSpatialModelTrainsAndReloadsWithItsShapes() throws Exception {
        Architecture arch = ConvArchitecture.spatial(new int[] {3, 32, 32}, 8, new int[] {4, 8, 8});
        ImageSet train = colourImages(1024, 1);
        ImageSet test = colourImages(64, 2);
        Path model = dir.resolve("colour.pt");
        List<Double> losses = new ArrayList<>();
        List<EpochRecord> log = new ArrayList<>();
        TorchTrainer.train(arch, train, test, new TrainOptions(1, 16, 5e-3, 0, 5), model, log::add, (n, loss) -> losses.add(loss));
        assertEquals(64, losses.size());
        double first = (losses.get(0) + losses.get(1) + losses.get(2)) / 3;
        double variance = variance(test);
        // measured: first batches 0.087, test MSE after the epoch 0.025, best constant image 0.033 (seeds 1, 2, 5)
        assertTrue(log.get(0).testMse() < first / 3, "test MSE after one epoch " + log.get(0).testMse() + " vs first batches " + first);
        assertTrue(log.get(0).testMse() < variance, "test MSE " + log.get(0).testMse() + " beats the best constant image " + variance);
        assertEquals(log.get(0).testMse(), TorchTrainer.meanSquaredError(model, test), 1e-6, "the saved model is the trained one");

        try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
            JitModule m = torch.load(model.toString());
            assertEquals(256, m.attr("latent_dim").toInt());
            assertEquals("[3, 32, 32]", ints(m.attr("input_shape")));
            assertEquals("[4, 8, 8]", ints(m.attr("latent_shape")));
            Tensor x = Tensor.create(java.util.Arrays.copyOf(test.pixels(), 5 * 3072), 5, 3, 32, 32);
            Tensor z = m.get_method("encode").apply(new IValueVector(new IValue(x))).toTensor();
            assertArrayEquals(new long[] {5, 4, 8, 8}, z.sizes().vec().get());
            Tensor y = m.get_method("decode").apply(new IValueVector(new IValue(z))).toTensor();
            assertArrayEquals(new long[] {5, 3, 32, 32}, y.sizes().vec().get());
            Tensor f = m.forward(new IValueVector(new IValue(x))).toTensor();
            assertEquals(0.0, f.sub(y).abs().max().item_double(), 0.0, "forward = decode(encode(x))");
        }

        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model))) {
            assertEquals("4 x 8 x 8", map.contract().latent().toString(), "the latent map sees the spatial latent as rows of 256");
            assertEquals("module attribute latent_shape", map.contract().latentSource());
            assertEquals("3 x 32 x 32", map.contract().input().toString());
            for (float v : TestModels.apply(map, new float[512], 2)) {
                assertTrue(Float.isFinite(v));
            }
        }

        PYTHON.require("python3-torch");
        Npy.writeFloat32(dir.resolve("x.npy"), test.pixels(), 64, 3, 32, 32);
        String[] r = PYTHON.run(dir, "/train/spatial_model.py", model.toString(), dir.resolve("x.npy").toString(),
                Double.toString(log.get(0).testMse())).split(" ");
        assertEquals("input_shape=[3,32,32]", r[0], "PyTorch reads the attributes");
        assertEquals("latent_shape=[4,8,8]", r[1]);
        assertEquals("latent_dim=256", r[2]);
        assertEquals("code=64x4x8x8", r[3], "encode gives N x latent_shape in PyTorch");
        assertTrue(Double.parseDouble(r[4].substring("mse_diff=".length())) <= 1e-6, "PyTorch reconstructs with the same MSE: " + r[4]);
    }

    /** Mean squared deviation of the pixels from their per-pixel mean: the MSE of the best constant output. */
    private static double variance(ImageSet set) {
        int d = set.imageSize();
        double[] mean = new double[d];
        float[] px = set.pixels();
        for (int i = 0; i < px.length; i++) {
            mean[i % d] += px[i] / set.count();
        }
        double sum = 0;
        for (int i = 0; i < px.length; i++) {
            sum += (px[i] - mean[i % d]) * (px[i] - mean[i % d]);
        }
        return sum / px.length;
    }

    private static String ints(IValue list) {
        long[] v = list.toIntVector().get();
        return java.util.Arrays.toString(v);
    }
}
