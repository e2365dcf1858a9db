package org.latentfield.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.LatentfieldException;

class PhotosTest {
    @TempDir
    Path dir;

    /** A 512 x 256 PNG with red = floor(x / 2), green = floor(y / 2), blue = tint. */
    private Path ramp(String name, int tint) throws Exception {
        BufferedImage im = new BufferedImage(512, 256, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 512; x++) {
                im.setRGB(x, y, (x / 2) << 16 | (y / 2) << 8 | tint);
            }
        }
        Path f = dir.resolve(name);
        ImageIO.write(im, "png", f.toFile());
        return f;
    }

    @Test
    void cropsAreWindowsOfTheAreaShrunkPhotoSomeMirrored() throws Exception {
        // shrunk by 4 to 128 x 64: red at column j = mean(floor(x/2), x in [4j, 4j+4)) = 2j + 0.5, green likewise by row
        PhotoCrops recipe = new PhotoCrops(8, new int[] {64}, 50, 3);
        ImageSet s = recipe.cut(List.of(ramp("r.png", 9)), List.of("r"), "ramp");
        assertArrayEquals(new int[] {3, 8, 8}, s.shape());
        assertEquals(50, s.count());
        int mirrored = 0;
        for (int n = 0; n < s.count(); n++) {
            float[] px = s.pixels();
            int base = n * 192;
            boolean mirror = px[base + 1] < px[base];
            mirrored += mirror ? 1 : 0;
            int left = Math.round((px[base + (mirror ? 7 : 0)] * 255 - 0.5f) / 2), top = Math.round((px[base + 64] * 255 - 0.5f) / 2);
            assertTrue(left >= 0 && left <= 128 - 8 && top >= 0 && top <= 64 - 8, "corner inside the shrunk photo: " + left + ", " + top);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int col = left + (mirror ? 7 - x : x);
                    assertEquals((2 * col + 0.5f) / 255, px[base + y * 8 + x], 1e-5f, "red of crop " + n);
                    assertEquals((2 * (top + y) + 0.5f) / 255, px[base + 64 + y * 8 + x], 1e-5f, "green of crop " + n);
                    assertEquals(9 / 255f, px[base + 128 + y * 8 + x], 1e-6f, "blue of crop " + n);
                }
            }
        }
        assertTrue(mirrored > 10 && mirrored < 40, "about half mirrored: " + mirrored);
    }

    @Test
    void seededPerPhotographWhateverTheOtherPhotographs() throws Exception {
        PhotoCrops recipe = new PhotoCrops(16, new int[] {64, 128, 256}, 7, 11);
        Path a = ramp("a.png", 1), b = ramp("b.png", 2);
        ImageSet both = recipe.cut(List.of(a, b), List.of("a", "b"), "ab");
        ImageSet onlyB = recipe.cut(List.of(b), List.of("b"), "b");
        assertEquals(42, both.count());
        assertEquals(0, both.labels()[20]);
        assertEquals(1, both.labels()[21]);
        int item = 3 * 16 * 16;
        float[] tail = java.util.Arrays.copyOfRange(both.pixels(), 21 * item, 42 * item);
        assertArrayEquals(onlyB.pixels(), tail, "b's crops do not depend on a");
        assertArrayEquals(both.pixels(), recipe.cut(List.of(a, b), List.of("a", "b"), "ab").pixels(), "deterministic");
        ImageSet other = new PhotoCrops(16, new int[] {64, 128, 256}, 7, 12).cut(List.of(b), List.of("b"), "b");
        assertTrue(!java.util.Arrays.equals(onlyB.pixels(), other.pixels()), "another seed, other crops");
    }

    @Test
    void splitsAreDisjointByPhotographAndMissingPackagesAreNamed() {
        assertEquals(38, Photos.PHOTOS.size());
        assertEquals(31, Photos.split("train").size());
        assertEquals(7, Photos.split("test").size());
        Set<Photos.Photo> all = new HashSet<>(Photos.split("train"));
        Photos.split("test").forEach(p -> assertTrue(all.add(p), "in both splits: " + p));
        assertEquals(38, all.size());
        assertEquals(Photos.PHOTOS.get(4), Photos.split("test").get(0));
        String m = assertThrows(LatentfieldException.class, () -> Photos.load(dir, "train")).getMessage();
        assertTrue(m.contains("apt-get install python3-sklearn lomiri-wallpapers-16.04 mate-backgrounds plasma-workspace-wallpapers")
                && m.contains("$LATENTFIELD_PHOTOS"), m);
        assertTrue(assertThrows(LatentfieldException.class, () -> Photos.split("valid")).getMessage().contains("splits train and test"));
    }

    @Test
    void loadsASplitFromARootWithLabelsIndexingTheManifest() throws Exception {
        Path photo = ramp("p.png", 5);
        for (Photos.Photo p : Photos.split("test")) {
            Path f = dir.resolve("root").resolve(p.path());
            Files.createDirectories(f.getParent());
            Files.copy(photo, f); // a PNG under a .jpg name: ImageIO reads by content
        }
        ImageSet test = Photos.load(dir.resolve("root"), "test");
        assertEquals(7 * 900, test.count());
        assertArrayEquals(new int[] {3, 32, 32}, test.shape());
        assertEquals(Set.of(4, 9, 14, 19, 24, 29, 34), IntStream.of(test.labels()).boxed().collect(java.util.stream.Collectors.toSet()));
        assertEquals("photos:test", test.name());
    }

    @Test
    void scikitLearnsSamplePhotographs() {
        List<Photos.Photo> sklearn = Photos.PHOTOS.subList(0, 2);
        Path root = Photos.defaultRoot();
        assumeTrue(sklearn.stream().allMatch(p -> Files.isRegularFile(root.resolve(p.path()))),
                "scikit-learn's sample images not installed: real-photo check not run (apt-get install python3-sklearn)");
        PhotoCrops recipe = new PhotoCrops(32, Photos.RECIPE.shortSides(), 20, 1);
        ImageSet s = recipe.cut(sklearn.stream().map(p -> root.resolve(p.path())).toList(), sklearn.stream().map(Photos.Photo::path).toList(), "sk");
        assertEquals(120, s.count());
        double[] moments = moments(s.pixels());
        // recorded from Debian's python3-sklearn 1.2.1 images (china.jpg, flower.jpg): pins decoding, shrinking and the seeded corners
        assertEquals(0.41987, moments[0], 1e-4);
        assertEquals(0.32077, moments[1], 1e-4);
    }

    /** Mean and standard deviation of all values, each checked to be in [0, 1]. */
    private static double[] moments(float[] values) {
        double sum = 0, sq = 0;
        for (float v : values) {
            assertTrue(v >= 0 && v <= 1);
            sum += v;
            sq += v * v;
        }
        double mean = sum / values.length;
        return new double[] {mean, Math.sqrt(sq / values.length - mean * mean)};
    }

    @Test
    void theInstalledPhotographs() {
        Path root = Photos.defaultRoot();
        assumeTrue(Photos.PHOTOS.stream().allMatch(p -> Files.isRegularFile(root.resolve(p.path()))),
                "photos not installed: real-photo check not run (apt-get install mate-backgrounds lomiri-wallpapers-16.04 plasma-workspace-wallpapers python3-sklearn)");
        ImageSet test = new Datasets(dir, dir).load("photos:test");
        assertEquals(6300, test.count());
        double[] moments = moments(test.pixels());
        // recorded when the data set was defined (README, Data): mean 0.4026, std 0.2741
        assertEquals(0.4026, moments[0], 5e-4);
        assertEquals(0.2741, moments[1], 5e-4);
    }
}
