package org.latentfield.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.LatentfieldException;

class IdxTest {
    @TempDir
    Path dir;

    static byte[] idx(int[] shape, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * shape.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 8).put((byte) shape.length);
        for (int s : shape) {
            b.putInt(s);
        }
        return b.put(data).array();
    }

    @Test
    void rawAndGzippedRoundTrip() throws Exception {
        byte[] data = {1, 2, 3, 4, 5, (byte) 255};
        Path raw = Files.write(dir.resolve("a-idx3-ubyte"), idx(new int[] {1, 2, 3}, data));
        Path gz = dir.resolve("a-idx3-ubyte.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(idx(new int[] {1, 2, 3}, data));
        }
        for (Path p : new Path[] {raw, gz}) {
            Idx.UByteArray a = Idx.readUBytes(p);
            assertArrayEquals(new int[] {1, 2, 3}, a.shape());
            assertArrayEquals(data, a.data());
            assertEquals(6, a.itemSize());
        }
    }

    @Test
    void corruptFiles() throws Exception {
        Path wrongCount = Files.write(dir.resolve("c"), idx(new int[] {2, 2}, new byte[3]));
        assertTrue(assertThrows(LatentfieldException.class, () -> Idx.readUBytes(wrongCount)).getMessage().contains("declares 4"));
        byte[] bad = idx(new int[] {1}, new byte[1]);
        bad[2] = 0x0D;
        Path type = Files.write(dir.resolve("t"), bad);
        assertTrue(assertThrows(LatentfieldException.class, () -> Idx.readUBytes(type)).getMessage().contains("0xd"));
        Path magic = Files.write(dir.resolve("m"), new byte[] {1, 2, 3, 4, 5});
        assertTrue(assertThrows(LatentfieldException.class, () -> Idx.readUBytes(magic)).getMessage().contains("magic"));
        Path missing = dir.resolve("fashion");
        Files.createDirectory(missing);
        assertTrue(assertThrows(LatentfieldException.class, () -> FashionMnist.load(missing, "train")).getMessage()
                .contains("apt-get install dataset-fashion-mnist"));
    }

    /** Real Fashion-MNIST from the Debian package (CI installs it): shapes and class counts. */
    @Test
    void realFashionMnist() {
        assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR), "dataset-fashion-mnist is not installed: real data not checked");
        ImageSet test = FashionMnist.load(FashionMnist.DEFAULT_DIR, "test");
        assertEquals(10_000, test.count());
        assertEquals(784, test.imageSize());
        int[] perClass = new int[10];
        for (int l : test.labels()) {
            perClass[l]++;
        }
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, perClass);
        float max = 0;
        for (float v : test.pixels()) {
            max = Math.max(max, v);
        }
        assertEquals(1f, max, 0f);
    }
}
