package org.latentfield.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
    private static String python;

    @TempDir
    Path dir;

    @BeforeAll
    static void findPython() {
        for (String candidate : new String[] {"/usr/bin/python3", "python3"}) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import torch, numpy").redirectErrorStream(true).start();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    python = candidate;
                    return;
                }
            } catch (IOException | InterruptedException e) {
                // try the next one
            }
        }
    }

    private String runPython(String... args) throws Exception {
        assumeTrue(python != null, "no python3 with torch and numpy: PyTorch interoperability not checked (apt-get install python3-torch)");
        Path script = dir.resolve("pytorch_interop.py");
        try (InputStream in = InteropTest.class.getResourceAsStream("/interop/pytorch_interop.py")) {
            Files.copy(in, script);
        }
        List<String> cmd = new ArrayList<>(List.of(python, script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), out);
        return out.substring(out.lastIndexOf('\n') + 1);
    }

    @Test
    void latentfieldModelRunsTheSameInPyTorch() throws Exception {
        assumeTrue(python != null, "no python3 with torch and numpy: PyTorch interoperability not checked (apt-get install python3-torch)");
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
                new ModelSource(dir.resolve("ae.pt"), Optional.empty(), java.util.OptionalInt.empty(), "cpu"));
             NativeMatrix in = new NativeMatrix(40, 6); NativeMatrix out = new NativeMatrix(40, 6)) {
            assertEquals(6, map.latentDim());
            assertEquals("module attribute latent_dim", map.latentDimSource());
            assertEquals("[1, 28, 28]", java.util.Arrays.toString(map.inputShape().orElseThrow()));
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
}
