package org.latentfield.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.PythonPeer;
import org.latentfield.data.ImageSet;
import org.latentfield.data.Npy;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.data.SyntheticImages;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.map.torch.TorchTrainer;
import org.latentfield.train.ConvArchitecture;
import org.latentfield.train.TrainOptions;

/**
 * Models cross between latentfield and PyTorch in both directions with the same outputs
 * (max abs diff <= 1e-5). Runs where a python3 with torch is installed (CI installs Debian's
 * python3-torch); elsewhere it is skipped, saying so.
 */
class InteropTest {
    private static final PythonPeer PYTHON = PythonPeer.find("torch, numpy");

    @TempDir
    Path dir;

    private String runPython(String... args) throws Exception {
        return PYTHON.run(dir, "/interop/pytorch_interop.py", args);
    }

    @Test
    void latentfieldModelRunsTheSameInPyTorch() throws Exception {
        PYTHON.require("python3-torch");
        ImageSet data = SyntheticImages.blobs(64, 4);
        Path model = dir.resolve("lf.pt");
        TorchTrainer.train(ConvArchitecture.of(1, 28, 28, 4, 5), data, data, new TrainOptions(1, 16, 1e-3, 1e-4, 3), model, e -> { }, (n, loss) -> { });
        double mse = TorchTrainer.meanSquaredError(model, data);
        Points z = StartPoints.gaussian(33, 5, 1.0, 8);
        float[] fz = new float[33 * 5];
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model));
             NativeMatrix in = new NativeMatrix(33, 5); NativeMatrix out = new NativeMatrix(33, 5)) {
            in.putRows(z.data(), 0, 0, 33);
            map.apply(in, out, 33);
            out.getRows(0, fz, 0, 33);
        }
        Npy.writeFloat32(dir.resolve("z.npy"), z.data(), 33, 5);
        Npy.writeFloat32(dir.resolve("fz.npy"), fz, 33, 5);
        Npy.writeFloat32(dir.resolve("x.npy"), data.pixels(), 64, 1, 28, 28);
        String[] r = runPython("check", model.toString(), dir.resolve("z.npy").toString(), dir.resolve("fz.npy").toString(),
                dir.resolve("x.npy").toString(), Double.toString(mse)).split(" ");
        assertEquals("5", r[1], "PyTorch reads the latent_dim attribute");
        assertTrue(Double.parseDouble(r[3]) <= 1e-5, "encode(decode(z)) differs by " + r[3]);
        assertTrue(Double.parseDouble(r[5]) <= 1e-5, "reconstruction MSE differs by " + r[5]);
        assertEquals("1x28x28", r[7], "PyTorch reads the input_shape attribute");
    }

    @Test
    void pytorchScriptedModelRunsTheSameInLatentfield() throws Exception {
        assertEquals("exported", runPython("export", dir.toString()));
        float[] z = Npy.read(dir.resolve("z.npy")).toFloats();
        float[] expected = Npy.read(dir.resolve("fz.npy")).toFloats();
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(
                new ModelSource(dir.resolve("ae.pt"), Optional.empty(), Optional.empty(), "cpu"));
             NativeMatrix in = new NativeMatrix(40, 6); NativeMatrix out = new NativeMatrix(40, 6)) {
            assertEquals(6, map.latentDim());
            assertEquals("module attribute latent_dim", map.contract().latentSource());
            assertEquals("1 x 28 x 28", map.contract().input().toString());
            assertEquals("module attribute input_shape", map.contract().inputSource());
            in.putRows(z, 0, 0, 40);
            map.apply(in, out, 40);
            float[] fz = new float[40 * 6];
            out.getRows(0, fz, 0, 40);
            double max = 0;
            for (int i = 0; i < fz.length; i++) {
                max = Math.max(max, Math.abs(fz[i] - expected[i]));
            }
            assertTrue(max <= 1e-5, "f(z) differs from PyTorch's by " + max);
        }
    }

    @Test
    void pytorchMlpRunsOnTheNativeEngine() throws Exception {
        assertEquals("exported", runPython("export-mlp", dir.toString()));
        float[] z = Npy.read(dir.resolve("z.npy")).toFloats();
        float[] expected = Npy.read(dir.resolve("fz.npy")).toFloats();
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(
                new ModelSource(dir.resolve("ae.pt"), Optional.empty(), Optional.empty(), "cpu"))) {
            org.latentfield.map.torch.MlpExtraction.Outcome o = org.latentfield.map.torch.MlpExtraction.extract(map);
            assertTrue(o.ok(), o.reason());
            assertEquals("6 -> 64 -> 784 -> 64 -> 6", o.describe());
            float[] fz;
            try (org.latentfield.kernels.NativeMlp mlp = org.latentfield.kernels.NativeMlp.create(o.layers(), org.latentfield.kernels.Device.CPU)) {
                fz = mlp.apply(z, 40);
            }
            double max = 0;
            for (int i = 0; i < fz.length; i++) {
                max = Math.max(max, Math.abs(fz[i] - expected[i]));
            }
            assertTrue(max <= 1e-5, "native f(z) differs from PyTorch's by " + max);
        }
    }
}
