package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train} on data of another shape than 1 x 28 x 28: colour image folders, spatial and flat latents. */
class TrainShapesTest {
    @TempDir
    Path dir;

    /** n colour 16 x 16 PNGs: a random flat colour with a brighter square. */
    private Path folder(String name, int n, long seed) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            BufferedImage im = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
            int base = r.nextInt(1 << 24) & 0x7f7f7f, y0 = r.nextInt(12), x0 = r.nextInt(12);
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    boolean in = y >= y0 && y < y0 + 4 && x >= x0 && x < x0 + 4;
                    im.setRGB(x, y, in ? base + 0x404040 : base);
                }
            }
            ImageIO.write(im, "png", d.resolve(String.format("%03d.png", i)).toFile());
        }
        return d;
    }

    @Test
    void spatialLatentOnAColourFolderWritesTheShapesOnTheCard() throws Exception {
        Path train = folder("train", 48, 1), test = folder("test", 16, 2);
        Path model = dir.resolve("c.pt");
        CliHarness r = CliHarness.run("train", "--train", "dir:" + train, "--test", "dir:" + test, "--latent-shape", "2,4,4", "--width", "4",
                "--epochs", "1", "--batch", "16", "--seed", "3", "--out", model.toString());
        assertEquals(Main.OK, r.code(), r.err());
        assertTrue(r.out().contains("latent 2 x 4 x 4, k = 32"), r.out());
        JsonNode card = new ObjectMapper().readTree(dir.resolve("c.json").toFile());
        assertEquals("[3,16,16]", card.get("input_shape").toString());
        assertEquals("[2,4,4]", card.get("latent_shape").toString());
        assertEquals(32, card.get("latent_dim").asInt());
        assertEquals("conv-spatial", card.get("architecture").asText());
        assertEquals("dir:" + train + " / dir:" + test, card.get("dataset").asText());
        assertEquals(48, card.get("train_images").asInt());
        assertEquals(16, card.get("test_images").asInt());
        assertTrue(card.get("command").asText().startsWith("latentfield train --train dir:"), card.get("command").asText());
        assertTrue(card.get("pca_test_mse").asDouble() > 0);
    }

    @Test
    void mlpOnColourImagesKeepsTheInputShape() throws Exception {
        Path train = folder("train", 32, 4);
        Path model = dir.resolve("m.pt");
        CliHarness r = CliHarness.run("train", "--train", "dir:" + train, "--test", "dir:" + train, "--arch", "mlp", "--hidden", "16",
                "--latent", "3", "--epochs", "1", "--out", model.toString());
        assertEquals(Main.OK, r.code(), r.err());
        JsonNode card = new ObjectMapper().readTree(dir.resolve("m.json").toFile());
        assertEquals("[3,16,16]", card.get("input_shape").toString());
        assertEquals("[3]", card.get("latent_shape").toString());
    }

    @Test
    void latentOptionsAndDataOptionsAreChecked() throws Exception {
        String o = dir.resolve("x.pt").toString();
        CliHarness.expectFailure("exactly one of --latent K", "train", "--epochs", "1", "--out", o);
        CliHarness.expectFailure("exactly one of --latent K", "train", "--latent", "4", "--latent-shape", "4,8,8", "--epochs", "1", "--out", o);
        CliHarness.expectFailure("--latent-shape needs --arch conv", "train", "--arch", "mlp", "--latent-shape", "4,8,8", "--epochs", "1", "--out", o);
        CliHarness.expectFailure("K (flat) or C,H,W", "train", "--latent-shape", "4,8", "--epochs", "1", "--out", o);
        CliHarness.expectFailure("--latent-shape must be comma-separated", "train", "--latent-shape", "4,x,8", "--epochs", "1", "--out", o);
        CliHarness.expectFailure("both --train DATA and --test DATA", "train", "--train", "dir:" + dir, "--latent", "4", "--epochs", "1", "--out", o);
        Path colour = folder("c", 4, 5);
        CliHarness.expectFailure("--data-dir locates a --dataset", "train", "--train", "dir:" + colour, "--test", "dir:" + colour,
                "--data-dir", dir.toString(), "--latent", "4", "--epochs", "1", "--out", o);
        CliHarness.expectFailure("does not fit 16 x 16 images", "train", "--train", "dir:" + colour, "--test", "dir:" + colour,
                "--latent-shape", "2,3,3", "--epochs", "1", "--out", o);
        CliHarness.expectFailure("apt-get install", "train", "--dataset", "photos", "--data-dir", dir.resolve("empty-root").toString(),
                "--latent-shape", "4,8,8", "--epochs", "1", "--out", o);
    }
}
