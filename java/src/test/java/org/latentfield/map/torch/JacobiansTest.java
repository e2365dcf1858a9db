package org.latentfield.map.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.Jacobians;
import org.latentfield.kernels.Device;
import org.latentfield.map.ModelSource;

/** Jacobians by LibTorch autograd and their native spectra, on maps with known Jacobians. */
class JacobiansTest {
    @TempDir
    Path dir;

    /**
     * A = R(60 deg) diag(1.6, 0.4) (+) [[0.3, 5], [0, -0.5]]: the first block has singular values
     * 1.6, 0.4 and eigenvalues of modulus sqrt(det) = 0.8 (a complex pair); the second is
     * triangular with eigenvalues 0.3, -0.5 and norm sqrt((T + sqrt(T^2 - 4 a^2 d^2)) / 2). So
     * rho(A) = 0.8 < 1 while ||A||_2 > 5: an attracting, non-normal, non-contractive map.
     */
    @Test
    void linearMapHasTheKnownSpectrum() throws Exception {
        double c = Math.cos(Math.PI / 3), s = Math.sin(Math.PI / 3);
        float[] a = {
            (float) (c * 1.6), (float) (-s * 0.4), 0, 0,
            (float) (s * 1.6), (float) (c * 0.4), 0, 0,
            0, 0, 0.3f, 5,
            0, 0, 0, -0.5f};
        double t = 0.09 + 25 + 0.25;
        double norm = Math.sqrt((t + Math.sqrt(t * t - 4 * 0.09 * 0.25)) / 2);
        Path model = TestModels.linear(dir.resolve("linear.pt"), a, 4);
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model))) {
            Points at = StartPoints.gaussian(50, 4, 3.0, 1);
            float[] j = map.jacobians(at.data(), 50);
            for (int p = 0; p < 50; p++) {
                for (int e = 0; e < 16; e++) {
                    assertEquals(a[e], j[p * 16 + e], 1e-6, "J of the linear map at point " + p);
                }
            }
            Jacobians.Result r = Jacobians.spectra(map, at, Jacobians.Options.defaults(Device.CPU));
            for (int p = 0; p < 50; p++) {
                assertEquals(norm, r.spectralNorm()[p], 1e-4 * norm, "spectral norm");
                assertEquals(0.8, r.spectralRadius()[p], 1e-4 * 0.8, "spectral radius");
            }
            assertEquals(50, r.stable());
            assertEquals(0, r.contractive());
            int[] steps = new int[50];
            float[] free = map.spectralNormsMatrixFree(at.data(), 50, 1000, 1e-10, steps);
            for (int p = 0; p < 50; p++) {
                assertEquals(norm, free[p], 1e-4 * norm, "matrix-free spectral norm");
            }
            assertTrue(steps[0] > 1 && steps[0] < 1000, "power iteration stopped by its tolerance after " + steps[0] + " steps");
        }
    }

    /** f(z) = tanh(z W): J[i, j] = (1 - tanh(u_i)^2) W[j, i] with u = z W. */
    @Test
    void nonlinearMapMatchesTheAnalyticJacobian() throws Exception {
        int k = 6;
        float[] w = StartPoints.gaussian(k, k, 0.7, 5).data();
        Path model = TestModels.builder().identityDecode().param("W", w, k, k).latentDim(k)
                .method("def encode(self, x):\n    return torch.tanh(torch.mm(x, self.W))\n")
                .method("def forward(self, x):\n    return self.decode(self.encode(x))\n")
                .save(dir.resolve("tanh.pt"));
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model))) {
            Points at = StartPoints.gaussian(300, k, 1.0, 6);
            float[] j = map.jacobians(at.data(), 300);
            double worst = 0;
            for (int p = 0; p < 300; p++) {
                for (int i = 0; i < k; i++) {
                    double u = 0;
                    for (int m = 0; m < k; m++) {
                        u += (double) at.get(p, m) * w[m * k + i];
                    }
                    double d = 1 - Math.tanh(u) * Math.tanh(u);
                    for (int jj = 0; jj < k; jj++) {
                        worst = Math.max(worst, Math.abs(j[(p * k + i) * k + jj] - d * w[jj * k + i]));
                    }
                }
            }
            assertTrue(worst < 1e-5, "autograd Jacobian differs from the analytic one by " + worst);
            Jacobians.Result r = Jacobians.spectra(map, at, Jacobians.Options.defaults(Device.CPU));
            float[] free = map.spectralNormsMatrixFree(at.data(), 300, 1000, 1e-10, null);
            for (int p = 0; p < 300; p++) {
                assertTrue(r.spectralRadius()[p] <= r.spectralNorm()[p] * (1 + 1e-5), "rho <= ||J||_2 at point " + p);
                assertEquals(r.spectralNorm()[p], free[p], 1e-4 * r.spectralNorm()[p], "matrix-free vs materialised at point " + p);
            }
        }
    }
}
