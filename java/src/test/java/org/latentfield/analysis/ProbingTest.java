package org.latentfield.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.kernels.Device;

/** Probing dictionaries: orthonormality, principal directions, exact reconstruction over a spanning basis. */
class ProbingTest {
    @Test
    void aBasisThatSpansTheSignalsReconstructsThemExactly() {
        Points basis = Probing.randomOrthonormalBasis(12, 3);
        for (int a = 0; a < 12; a++) {
            for (int b = 0; b < 12; b++) {
                double d = 0;
                for (int j = 0; j < 12; j++) {
                    d += basis.get(a, j) * basis.get(b, j);
                }
                assertEquals(a == b ? 1 : 0, d, 1e-6, "rows " + a + ", " + b);
            }
        }
        Points codes = StartPoints.gaussian(50, 12, 10.0, 4);
        Points rec = Probing.reconstruct(basis, codes, 12, Device.CPU);
        for (int i = 0; i < codes.data().length; i++) {
            assertEquals(codes.data()[i], rec.data()[i], 1e-4);
        }
        Points fewer = Probing.reconstruct(basis, codes, 4, Device.CPU);
        double err = 0;
        for (int i = 0; i < codes.data().length; i++) {
            err += Math.pow(codes.data()[i] - fewer.data()[i], 2);
        }
        assertTrue(err > 1, "4 of 12 orthonormal atoms leave a residual");
    }

    @Test
    void principalDirectionsFollowTheVariance() {
        // variance 9 along (1, 1, 0)/sqrt 2, 1 along (0, 0, 1), ~0 along (1, -1, 0)/sqrt 2
        Points g = StartPoints.gaussian(2000, 2, 1.0, 5);
        float[] x = new float[2000 * 3];
        for (int i = 0; i < 2000; i++) {
            float a = 3 * g.get(i, 0), b = g.get(i, 1);
            x[i * 3] = (float) (a / Math.sqrt(2));
            x[i * 3 + 1] = (float) (a / Math.sqrt(2));
            x[i * 3 + 2] = b;
        }
        Points top = Probing.principalDirections(new Points(2000, 3, x), 2);
        assertEquals(1, Math.abs(top.get(0, 0) + top.get(0, 1)) / Math.sqrt(2), 1e-3, "first direction (1, 1, 0)/sqrt 2");
        assertEquals(1, Math.abs(top.get(1, 2)), 1e-3, "second direction (0, 0, 1)");
    }
}
