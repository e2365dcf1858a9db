package org.latentfield.map.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.latentfield.map.ModelSource;

/** Saved analytic latent maps with known fixed points, opened as TorchScript autoencoders. */
public final class AnalyticMaps {
    private AnalyticMaps() {}

    /** Six planted centers at +-3 e_j in R^3: the vertices of an octahedron, all in distinct directions. */
    public static final float[] OCTAHEDRON_3D = {3, 0, 0, -3, 0, 0, 0, 3, 0, 0, -3, 0, 0, 0, 3, 0, 0, -3};

    /** f(z) = a R z with R a rotation by theta in each consecutive coordinate pair (k even). */
    public static float[] scaledRotation(int k, double a, double theta) {
        float[] m = new float[k * k];
        for (int p = 0; p < k; p += 2) {
            m[p * k + p] = (float) (a * Math.cos(theta));
            m[p * k + p + 1] = (float) (-a * Math.sin(theta));
            m[(p + 1) * k + p] = (float) (a * Math.sin(theta));
            m[(p + 1) * k + p + 1] = (float) (a * Math.cos(theta));
        }
        return m;
    }

    public static TorchScriptAutoencoder linear(Path dir, float[] a, int k) throws IOException {
        return TorchScriptAutoencoder.open(ModelSource.of(TestModels.linear(dir.resolve("linear.pt"), a, k)));
    }

    /**
     * Planted attractors at the rows of {@code centers} (m x k): a damped mean-shift step
     * f(z) = (1 - alpha) z + alpha sum_j softmax_j(-||z - c_j||^2 / (2 s^2)) c_j. For
     * well-separated centers each c_j is (up to e^{-d^2/2s^2}) a fixed point with Jacobian
     * close to (1 - alpha) I, hence an attractor.
     */
    public static Path plantedFile(Path dir, float[] centers, int m, int k, double alpha, double s) throws IOException {
        String code = String.format(Locale.ROOT, """
                def encode(self, x):
                    d = torch.sum((x.unsqueeze(1) - self.C.unsqueeze(0)) ** 2, dim=2)
                    p = torch.softmax(-d / %s, dim=1)
                    return %s * x + %s * torch.mm(p, self.C)
                """, Double.toString(2 * s * s), Double.toString(1 - alpha), Double.toString(alpha));
        return TestModels.builder().identityDecode().param("C", centers, m, k).latentDim(k).method(code)
                .save(dir.resolve("planted.pt"));
    }

    public static TorchScriptAutoencoder planted(Path dir, float[] centers, int m, int k, double alpha, double s) throws IOException {
        return TorchScriptAutoencoder.open(ModelSource.of(plantedFile(dir, centers, m, k, alpha, s)));
    }

    /**
     * f(z) = z / 2 inside the unit ball (attractor at 0) and 2 ||z|| z outside it, whose norm
     * 2 ||z||^2 grows without bound: every start with ||z_0|| >= 1 diverges.
     */
    public static TorchScriptAutoencoder divergentOutsideUnitBall(Path dir, int k) throws IOException {
        Path file = TestModels.builder().identityDecode().latentDim(k).method("""
                def encode(self, x):
                    n = torch.sqrt(torch.sum(x * x, dim=1, keepdim=True))
                    return torch.where(n < 1.0, 0.5 * x, 2.0 * n * x)
                """).save(dir.resolve("divergent.pt"));
        return TorchScriptAutoencoder.open(ModelSource.of(file));
    }
}
