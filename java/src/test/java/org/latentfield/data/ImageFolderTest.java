package org.latentfield.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.LatentfieldException;

class ImageFolderTest {
    @TempDir
    Path dir;

    /** An RGB image whose pixel (x, y) is (10 x + seed, 20 y, 7 seed) mod 256. */
    static BufferedImage rgb(int w, int h, int seed) {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.setRGB(x, y, ((10 * x + seed) & 0xff) << 16 | ((20 * y) & 0xff) << 8 | ((7 * seed) & 0xff));
            }
        }
        return im;
    }

    static BufferedImage grey(int w, int h) {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.getRaster().setSample(x, y, 0, 30 * x + y);
            }
        }
        return im;
    }

    private Path write(Path folder, String name, BufferedImage im) throws Exception {
        Files.createDirectories(folder);
        Path f = folder.resolve(name);
        assertTrue(ImageIO.write(im, name.endsWith(".png") ? "png" : "jpeg", f.toFile()));
        return f;
    }

    @Test
    void colourPngsInFileNameOrderWithExactValues() throws Exception {
        Path d = dir.resolve("rgb");
        write(d, "b.png", rgb(5, 4, 2));
        write(d, "a.png", rgb(5, 4, 1));
        write(d, ".hidden.png", grey(3, 3));
        Files.createDirectories(d.resolve("sub"));
        ImageSet s = ImageFolder.load(d, 3);
        assertEquals(2, s.count());
        assertArrayEquals(new int[] {3, 4, 5}, s.shape());
        assertNull(s.labels());
        float[] px = s.pixels();
        // item 0 is a.png (seed 1): red at (x 3, y 2) = 31, green = 40, blue = 7
        assertEquals(31 / 255f, px[(0 * 4 + 2) * 5 + 3], 0f);
        assertEquals(40 / 255f, px[(1 * 4 + 2) * 5 + 3], 0f);
        assertEquals(7 / 255f, px[(2 * 4 + 2) * 5 + 3], 0f);
        assertEquals(12 / 255f, px[60 + 1], 0f, "item 1 is b.png (seed 2): red at (x 1, y 0) = 12");
        assertEquals(s.pixels().length, Datasets.defaults().load("dir:" + d).pixels().length, "dir:PATH infers 3 channels from RGB");
        assertEquals(s.pixels().length, Datasets.defaults().load("dir:" + d, new int[] {75}).pixels().length,
                "a flat model input leaves the channels to the files");
    }

    @Test
    void greyscaleWithOneChannelAndSixteenBits() throws Exception {
        Path d = dir.resolve("grey");
        write(d, "g.png", grey(4, 3));
        ImageSet s = Datasets.defaults().load("dir:" + d);
        assertArrayEquals(new int[] {1, 3, 4}, s.shape(), "inferred from the first file");
        assertEquals((30 * 3 + 2) / 255f, s.pixels()[2 * 4 + 3], 0f, "stored sample, no gamma conversion");
        BufferedImage deep = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        deep.getRaster().setSample(1, 0, 0, 65535);
        deep.getRaster().setSample(0, 0, 0, 13107);
        Path d16 = dir.resolve("grey16");
        write(d16, "d.png", deep);
        assertArrayEquals(new float[] {0.2f, 1f}, ImageFolder.load(d16, 1).pixels(), 1e-6f);
    }

    @Test
    void jpegsDecodeCloseToWhatWasWritten() throws Exception {
        Path d = dir.resolve("jpeg");
        BufferedImage flat = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                flat.setRGB(x, y, 200 << 16 | 100 << 8 | 50);
            }
        }
        write(d, "f.jpg", flat);
        ImageSet s = Datasets.defaults().load("dir:" + d, new int[] {3, 16, 16});
        assertEquals(200 / 255f, s.pixels()[0], 3 / 255f);
        assertEquals(100 / 255f, s.pixels()[256], 3 / 255f);
        assertEquals(50 / 255f, s.pixels()[512], 3 / 255f);
    }

    @Test
    void opaqueAlphaIsDroppedAndTransparencyRefused() throws Exception {
        BufferedImage argb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                argb.setRGB(x, y, 0xff000000 | 0x102030);
            }
        }
        Path d = dir.resolve("alpha");
        write(d, "o.png", argb);
        assertEquals(0x20 / 255f, ImageFolder.load(d, 3).pixels()[6], 0f);
        argb.setRGB(2, 1, 0x80102030);
        write(d, "o.png", argb);
        LatentfieldException e = assertThrows(LatentfieldException.class, () -> ImageFolder.load(d, 3));
        assertTrue(e.getMessage().contains("o.png") && e.getMessage().contains("transparent pixel at (x 2, y 1)"), e.getMessage());
    }

    @Test
    void badFoldersAreRefusedInOneSentenceNamingTheFile() throws Exception {
        Path mixed = dir.resolve("mixed");
        write(mixed, "a.png", rgb(5, 4, 1));
        write(mixed, "b.png", rgb(6, 4, 1));
        String m = assertThrows(LatentfieldException.class, () -> ImageFolder.load(mixed, 3)).getMessage();
        assertTrue(m.contains("a.png is 5 x 4") && m.contains("b.png is 6 x 4"), m);

        Path greyFolder = dir.resolve("g3");
        write(greyFolder, "g.png", grey(4, 4));
        m = assertThrows(LatentfieldException.class, () -> Datasets.defaults().load("dir:" + greyFolder, new int[] {3, 4, 4})).getMessage();
        assertTrue(m.contains("g.png is greyscale but 3 channels were requested"), m);
        m = assertThrows(LatentfieldException.class, () -> ImageFolder.load(mixed, 1)).getMessage();
        assertTrue(m.contains("a.png is colour but 1 channel was requested"), m);

        Path text = dir.resolve("text");
        write(text, "a.png", rgb(2, 2, 0));
        Files.writeString(text.resolve("notes.txt"), "not an image");
        m = assertThrows(LatentfieldException.class, () -> ImageFolder.load(text, 3)).getMessage();
        assertTrue(m.contains("notes.txt is not an image"), m);

        Path empty = Files.createDirectories(dir.resolve("empty"));
        m = assertThrows(LatentfieldException.class, () -> ImageFolder.load(empty)).getMessage();
        assertTrue(m.contains(empty + " holds no image files"), m);
        m = assertThrows(LatentfieldException.class, () -> ImageFolder.load(dir.resolve("nowhere"), 3)).getMessage();
        assertTrue(m.contains("does not exist"), m);
        m = assertThrows(LatentfieldException.class, () -> ImageFolder.load(mixed, 2)).getMessage();
        assertTrue(m.contains("1 (grey) or 3 (RGB) channels, not 2"), m);
    }
}
