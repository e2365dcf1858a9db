package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Npy;
import org.latentfield.map.torch.TestModels;

/**
 * Image folders ({@code dir:PATH}) fed to a colour model with a spatial latent (3 x 4 x 4 images,
 * latent 2 x 4 x 4): they work where the images fit, and a non-image file, a greyscale image or
 * mixed sizes each give one sentence naming the file, exit 1 and no output.
 */
class ImageFolderCommandsTest {
    @TempDir
    Path dir;

    private Path model;
    private Path out;

    @BeforeEach
    void colourModel() throws Exception {
        model = TestModels.builder().intList("input_shape", 3, 4, 4).eval()
                .method("def encode(self, x):\n    return 0.5 * x[:, 0:2, :, :].transpose(2, 3)\n")
                .method("def decode(self, z):\n    return torch.cat([z, z[:, 0:1, :, :]], 1)\n").save(dir.resolve("colour.pt"));
        out = dir.resolve("out");
    }

    private static void png(Path file, int w, int h, int type, int seed) throws Exception {
        BufferedImage im = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.setRGB(x, y, ((37 * x + seed) & 0xff) << 16 | ((53 * y + seed) & 0xff) << 8 | ((11 * seed) & 0xff));
            }
        }
        ImageIO.write(im, "png", file.toFile());
    }

    private Path folder(String name, int count) throws Exception {
        Path f = Files.createDirectories(dir.resolve(name));
        for (int i = 0; i < count; i++) {
            png(f.resolve(String.format("img-%02d.png", i)), 4, 4, BufferedImage.TYPE_INT_RGB, i);
        }
        return f;
    }

    @Test
    void aFolderOfColourImagesFeedsTheModel() throws Exception {
        Path images = folder("photos", 6);
        CliHarness r = CliHarness.run("attractors", "--model", model.toString(), "--from", "data:dir:" + images, "--samples", "6",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        var s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(6, s.get("converged").asInt(), "f(z) = 0.5 z^T contracts every start to 0");
        assertEquals("[0,1,2,3,4,5]", java.util.Arrays.toString(Npy.read(out.resolve("items.npy")).toInts()).replace(" ", ""));
        float[] starts = Npy.read(out.resolve("starts.npy")).toFloats();
        // item 2's channel 0 pixel (y 1, x 3) is (37 * 3 + 2) / 255; encode halves it and transposes: latent index 3 * 4 + 1
        assertEquals(0.5f * ((37 * 3 + 2) & 0xff) / 255f, starts[2 * 32 + 3 * 4 + 1], 1e-6f);
    }

    @Test
    void badFoldersGetOneSentenceAndWriteNothing() throws Exception {
        Path text = folder("text", 3);
        Files.writeString(text.resolve("img-01b.txt"), "not an image");
        CliHarness.expectFailure("img-01b.txt", "attractors", "--model", model.toString(), "--from", "data:dir:" + text, "--samples",
                "2", "--out", out.toString());
        assertFalse(Files.exists(out));

        Path grey = folder("grey", 2);
        png(grey.resolve("img-09.png"), 4, 4, BufferedImage.TYPE_BYTE_GRAY, 0);
        CliHarness.expectFailure("img-09.png is greyscale", "ood", "--model", model.toString(), "--train", "dir:" + grey, "--id",
                "dir:" + grey, "--ood", "uniform-noise:10", "--out", out.toString());
        assertFalse(Files.exists(out));

        Path mixed = folder("mixed", 2);
        png(mixed.resolve("img-05.png"), 8, 4, BufferedImage.TYPE_INT_RGB, 5);
        CliHarness r = CliHarness.run("probe", "--model", model.toString(), "--data", "dir:" + mixed, "--train", "dir:" + mixed,
                "--out", out.toString());
        assertEquals(Main.FAILED, r.code(), r.err());
        assertTrue(r.oneSentenceError() && r.err().contains("differ in size") && r.err().contains("img-05.png"), r.err());
        assertFalse(Files.exists(out));

        Path small = Files.createDirectories(dir.resolve("small"));
        png(small.resolve("a.png"), 2, 2, BufferedImage.TYPE_INT_RGB, 1);
        CliHarness.expectFailure("takes inputs of 3 x 4 x 4", "attractors", "--model", model.toString(), "--from", "data:dir:" + small,
                "--samples", "1", "--out", out.toString());
        assertFalse(Files.exists(out));
    }
}
