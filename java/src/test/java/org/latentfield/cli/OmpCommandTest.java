package org.latentfield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Npy;
import org.latentfield.data.NpyArray;

/** {@code latentfield omp} end to end: files, shapes, exact recovery, and one-sentence errors. */
class OmpCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesSupportCoefAndResidual() throws Exception {
        // atoms: the 4 unit vectors of R^4 and (1,1,0,0)/sqrt(2); signals with known codes
        float h = (float) (1 / Math.sqrt(2));
        Npy.writeFloat32(dir.resolve("d.npy"), new float[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, h, h, 0, 0}, 5, 4);
        Npy.writeFloat32(dir.resolve("x.npy"), new float[] {0, 0, 3, -2, 2, 2, 0, 0}, 2, 4);
        CliHarness r = CliHarness.run("omp", "--dictionary", dir.resolve("d.npy").toString(), "--signals", dir.resolve("x.npy").toString(),
                "--atoms", "3", "--tol", "1e-6", "--device", "cpu", "--out", dir.resolve("out").toString());
        assertEquals(0, r.code(), r.err());
        NpyArray support = Npy.read(dir.resolve("out/support.npy"));
        assertEquals("<i4", support.descr());
        assertEquals("[2, 3]", java.util.Arrays.toString(support.shape()));
        // signal 0 = 3 e3 - 2 e4: e3 first (|3| > |-2|), then e4, then the residual is 0
        // signal 1 = 2 e1 + 2 e2 = 2 sqrt(2) (1,1,0,0)/sqrt(2): one atom
        assertEquals("[2, 3, -1, 4, -1, -1]", java.util.Arrays.toString(support.toInts()));
        float[] coef = Npy.read(dir.resolve("out/coef.npy")).toFloats();
        assertEquals(3, coef[0], 1e-6);
        assertEquals(-2, coef[1], 1e-6);
        assertEquals(2 * Math.sqrt(2), coef[3], 1e-6);
        float[] residual = Npy.read(dir.resolve("out/residual.npy")).toFloats();
        assertTrue(residual[0] < 1e-6 && residual[1] < 1e-6, java.util.Arrays.toString(residual));
        assertTrue(Files.readString(dir.resolve("out/summary.json")).contains("\"atoms_used_mean\" : 1.5"));
    }

    @Test
    void atomsOfAnyNormSelectTheSameSupport() throws Exception {
        // the dictionary of writesSupportCoefAndResidual scaled by 1e20: G = D D^T overflowed float and
        // the old pursuit selected nothing; selection is scale-invariant, coefficients scale by 1e-20
        float h = (float) (1 / Math.sqrt(2));
        float[] d = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, h, h, 0, 0};
        for (int i = 0; i < d.length; i++) {
            d[i] *= 1e20f;
        }
        Npy.writeFloat32(dir.resolve("d.npy"), d, 5, 4);
        Npy.writeFloat32(dir.resolve("x.npy"), new float[] {0, 0, 3, -2, 2, 2, 0, 0}, 2, 4);
        CliHarness r = CliHarness.run("omp", "--dictionary", dir.resolve("d.npy").toString(), "--signals", dir.resolve("x.npy").toString(),
                "--atoms", "3", "--tol", "1e-6", "--device", "cpu", "--out", dir.resolve("out").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("[2, 3, -1, 4, -1, -1]", java.util.Arrays.toString(Npy.read(dir.resolve("out/support.npy")).toInts()));
        float[] coef = Npy.read(dir.resolve("out/coef.npy")).toFloats();
        assertEquals(3e-20, coef[0], 1e-26);
        assertEquals(-2e-20, coef[1], 1e-26);
        assertEquals(2 * Math.sqrt(2) * 1e-20, coef[3], 1e-26);
        float[] residual = Npy.read(dir.resolve("out/residual.npy")).toFloats();
        assertTrue(residual[0] < 1e-6 && residual[1] < 1e-6, java.util.Arrays.toString(residual));
        // an atom whose norm does not fit a float is refused, not silently never selected
        Npy.writeFloat32(dir.resolve("huge.npy"), new float[] {1, 0, 0, 0, 3e38f, 3e38f, 0, 0}, 2, 4);
        CliHarness.expectFailure("row 1 of the dictionary has norm 4.24e+38, beyond the float range", "omp", "--dictionary",
                dir.resolve("huge.npy").toString(), "--signals", dir.resolve("x.npy").toString(), "--atoms", "1", "--out",
                dir.resolve("h").toString());
    }

    @Test
    void badInputGetsOneSentence() throws Exception {
        Npy.writeFloat32(dir.resolve("d.npy"), new float[12], 3, 4);
        Npy.writeFloat32(dir.resolve("x5.npy"), new float[10], 2, 5);
        Npy.writeFloat32(dir.resolve("cube.npy"), new float[8], 2, 2, 2);
        Files.createDirectories(dir.resolve("keep"));
        Files.writeString(dir.resolve("keep/old.txt"), "precious");
        String d = dir.resolve("d.npy").toString(), out = dir.resolve("keep").toString();
        CliHarness.expectFailure("dimensions", "omp", "--dictionary", d, "--signals", dir.resolve("x5.npy").toString(), "--atoms", "2", "--out", out);
        CliHarness.expectFailure("2-D matrix", "omp", "--dictionary", dir.resolve("cube.npy").toString(), "--signals", d, "--atoms", "1", "--out", out);
        CliHarness.expectFailure("exceeds the dictionary's 3 atoms", "omp", "--dictionary", d, "--signals", d, "--atoms", "4", "--out", out);
        CliHarness.expectFailure("--device must be cpu, cuda or auto", "omp", "--dictionary", d, "--signals", d, "--atoms", "1", "--device", "tpu", "--out", out);
        CliHarness.expectFailure("missing.npy", "omp", "--dictionary", dir.resolve("missing.npy").toString(), "--signals", d, "--atoms", "1", "--out", out);
        assertEquals("precious", Files.readString(dir.resolve("keep/old.txt")), "a failed run leaves the output directory alone");
        assertFalse(Files.exists(dir.resolve("keep/support.npy")));
    }
}
