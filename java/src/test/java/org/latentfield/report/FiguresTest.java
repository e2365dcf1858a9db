package org.latentfield.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every figure kind is written as a non-empty PNG of the stated size with more than one colour. */
class FiguresTest {
    @TempDir
    Path dir;

    @Test
    void everyKindWritesARealPng() throws Exception {
        Map<String, double[][]> lines = new LinkedHashMap<>();
        lines.put("attractors", new double[][] {{8, 16, 32}, {0.03, 0.02, 0.01}});
        lines.put("random basis", new double[][] {{8, 16, 32}, {0.05, 0.04, 0.03}});
        Figures.lines(dir.resolve("l.png"), "reconstruction", "atoms", "MSE", lines);
        Map<String, double[]> hist = new LinkedHashMap<>();
        hist.put("ID", new double[] {1, 2, 2, 3});
        hist.put("OOD", new double[] {3, 4, 4, 5});
        Figures.histograms(dir.resolve("h.png"), "scores", "score", hist, 10);
        Figures.scatter(dir.resolve("s.png"), "iterations", "predicted", "observed", Map.of("points", new double[][] {{1, 2}, {2, 3}}));
        int g = 20;
        double[] xs = new double[g];
        for (int i = 0; i < g; i++) {
            xs[i] = -2 + 4.0 * i / (g - 1);
        }
        double[] u = new double[g * g], v = new double[g * g];
        for (int j = 0; j < g; j++) {
            for (int i = 0; i < g; i++) {
                u[j * g + i] = -xs[i];
                v[j * g + i] = -xs[j];
            }
        }
        Figures.vectorField(dir.resolve("f.png"), "V(z)", xs, xs, u, v, new double[][] {{0}, {0}});
        for (String f : new String[] {"l.png", "h.png", "s.png", "f.png"}) {
            byte[] head = Arrays.copyOf(Files.readAllBytes(dir.resolve(f)), 8);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}, head, f + " is a PNG");
            BufferedImage img = ImageIO.read(dir.resolve(f).toFile());
            assertEquals(Figures.WIDTH, img.getWidth());
            assertEquals(Figures.HEIGHT, img.getHeight());
            long colours = java.util.stream.IntStream.range(0, 2000).map(p -> img.getRGB(p * 37 % img.getWidth(), p * 53 % img.getHeight())).distinct().count();
            assertTrue(colours > 3, f + " is not blank (" + colours + " colours sampled)");
        }
    }
}
