package org.latentfield.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.LatentfieldException;

class NpyTest {
    @TempDir
    Path dir;

    @Test
    void float32RoundTripWithAlignedHeader() throws Exception {
        float[] v = {1.5f, -2f, Float.MIN_VALUE, 3.25e7f, 0f, -0f};
        Path f = dir.resolve("a.npy");
        Npy.writeFloat32(f, v, 2, 3);
        byte[] bytes = Files.readAllBytes(f);
        assertEquals(0, (bytes.length - v.length * 4) % 64, "data starts at a multiple of 64 bytes");
        NpyArray a = Npy.read(f);
        assertEquals("<f4", a.descr());
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertArrayEquals(v, a.toFloats());
    }

    @Test
    void intBoolAndEmptyRoundTrips() throws Exception {
        Path i = dir.resolve("i.npy");
        Npy.writeInt32(i, new int[] {-1, 0, 7, Integer.MAX_VALUE}, 4);
        NpyArray a = Npy.read(i);
        assertEquals("<i4", a.descr());
        assertEquals(Integer.MAX_VALUE, a.data().getInt(12));
        assertEquals("(4,)", a.shapeString());
        Path b = dir.resolve("b.npy");
        Npy.writeBool(b, new boolean[] {true, false, true}, 3);
        assertEquals("|b1", Npy.read(b).descr());
        assertEquals(1, Npy.read(b).data().get(2));
        Path e = dir.resolve("e.npy");
        Npy.writeFloat32(e, new float[0], 0, 5);
        assertArrayEquals(new long[] {0, 5}, Npy.read(e).shape());
    }

    @Test
    void float64AndUInt8AndHeaderVersions2And3() throws Exception {
        Path d = dir.resolve("d.npy");
        Npy.writeFloat64(d, new double[] {1e-300, -2.5, Math.PI}, 3);
        assertArrayEquals(new double[] {1e-300, -2.5, Math.PI}, Npy.read(d).toDoubles());
        assertEquals((float) Math.PI, Npy.read(d).toFloats()[2]);
        Path u = dir.resolve("u.npy");
        Npy.writeUInt8(u, new byte[] {0, 7, (byte) 255}, 3);
        assertArrayEquals(new int[] {0, 7, 255}, Npy.read(u).toInts());
        for (int version : new int[] {2, 3}) {
            String header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }";
            header += " ".repeat(64 - (12 + header.length() + 1) % 64) + "\n";
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + header.length() + 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0}).putInt(header.length());
            b.put(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(-3).putInt(42);
            Path v = Files.write(dir.resolve("v" + version + ".npy"), b.array());
            assertArrayEquals(new int[] {-3, 42}, Npy.read(v).toInts(), "format version " + version);
        }
        assertTrue(assertThrows(LatentfieldException.class, () -> Npy.read(d).toInts()).getMessage().contains("dtype float64"));
    }

    @Test
    void corruptFilesAreOneSentence() throws Exception {
        Path f = dir.resolve("t.npy");
        Npy.writeFloat32(f, new float[12], 3, 4);
        byte[] ok = Files.readAllBytes(f);
        Path truncated = Files.write(dir.resolve("trunc.npy"), Arrays.copyOf(ok, ok.length - 5));
        LatentfieldException e = assertThrows(LatentfieldException.class, () -> Npy.read(truncated));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("(3, 4)"), e.getMessage());
        byte[] badMagic = ok.clone();
        badMagic[1] = 'X';
        Path magic = Files.write(dir.resolve("magic.npy"), badMagic);
        assertTrue(assertThrows(LatentfieldException.class, () -> Npy.read(magic)).getMessage().contains("magic"));
        String fortran = new String(ok, java.nio.charset.StandardCharsets.ISO_8859_1).replace("'fortran_order': False", "'fortran_order': True ");
        Path fo = Files.write(dir.resolve("fortran.npy"), fortran.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(LatentfieldException.class, () -> Npy.read(fo)).getMessage().contains("Fortran order"));
        assertTrue(assertThrows(LatentfieldException.class, () -> Npy.read(dir.resolve("none.npy"))).getMessage().contains("does not exist"));
    }

    /** The files load in NumPy with the same values (skipped, saying so, where NumPy is missing). */
    @Test
    void numpyLoadsWhatWeWrite() throws Exception {
        Path f = dir.resolve("n.npy");
        Npy.writeFloat32(f, new float[] {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f}, 3, 2);
        Path i = dir.resolve("i.npy");
        Npy.writeInt32(i, new int[] {3, -1}, 2);
        Path b = dir.resolve("b.npy");
        Npy.writeBool(b, new boolean[] {true, false}, 2);
        String script = "import numpy as np, sys; a=np.load(sys.argv[1]); i=np.load(sys.argv[2]); b=np.load(sys.argv[3]);"
                + "print(a.dtype, a.shape, float(a.sum()), i.dtype, int(i.sum()), b.dtype, int(b.sum()))";
        String out = null;
        for (String python : new String[] {"python3", "/usr/bin/python3"}) {
            Process p;
            try {
                p = new ProcessBuilder(python, "-c", script, f.toString(), i.toString(), b.toString()).redirectErrorStream(true).start();
            } catch (java.io.IOException e) {
                continue;
            }
            String text = new String(p.getInputStream().readAllBytes()).strip();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            if (!text.contains("No module named 'numpy'")) {
                out = text;
                break;
            }
        }
        assumeTrue(out != null, "no python3 with NumPy found: NumPy interoperability not checked");
        assertEquals("float32 (3, 2) 18.0 int32 2 bool 1", out);
    }
}
