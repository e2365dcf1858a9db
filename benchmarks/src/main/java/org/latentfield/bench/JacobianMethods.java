package org.latentfield.bench;

import java.nio.file.Path;
import java.util.Locale;
import org.latentfield.data.Points;
import org.latentfield.dynamics.Jacobians;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.map.ModelSource;
import org.latentfield.map.NativeEngineMap;
import org.latentfield.map.torch.MlpExtraction;
import org.latentfield.map.torch.TorchScriptAutoencoder;

/**
 * Spectral norms of J_f at the same points three ways, timed side by side (best of 3):
 * materialised by LibTorch autograd + liblf's batched spectra (what {@code latentfield
 * jacobian} does), matrix-free power iteration with autograd JVP/VJP products, and, for MLP
 * models, analytic native Jacobians + liblf spectra. Prints time and agreement.
 *
 * <p>{@code java -cp 'benchmarks/target/classes:benchmarks/target/lib/*' org.latentfield.bench.JacobianMethods MODEL POINTS.npy}
 */
public final class JacobianMethods {
    private JacobianMethods() {}

    public static void main(String[] args) {
        Path model = Path.of(args[0]);
        Points at = Points.readNpy(Path.of(args[1]), "points");
        Jacobians.Options options = Jacobians.Options.defaults(Device.CPU);
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model))) {
            float[][] materialised = new float[1][];
            double tm = best(() -> materialised[0] = Jacobians.spectra(map, at, options).spectralNorm());
            float[][] free = new float[1][];
            int[] steps = new int[at.n()];
            double tf = best(() -> free[0] = map.spectralNormsMatrixFree(at.data(), at.n(), options.maxIter(), options.tol(), steps));
            System.out.printf(Locale.ROOT, "%s, %d points, k = %d%n", model, at.n(), at.dim());
            System.out.printf(Locale.ROOT, "materialised (autograd, k VJPs batched) + native spectra: %8.3f s  %8.1f points/s  (norm and radius)%n",
                    tm, at.n() / tm);
            System.out.printf(Locale.ROOT, "matrix-free power iteration (autograd JVP + VJP):        %8.3f s  %8.1f points/s  (norm only, max %d steps);"
                    + " max relative difference %.2g%n", tf, at.n() / tf, java.util.Arrays.stream(steps).max().orElse(0), maxRel(free[0], materialised[0]));
            MlpExtraction.Outcome o = MlpExtraction.extract(map);
            if (o.ok()) {
                try (NativeEngineMap analytic = new NativeEngineMap(NativeMlp.create(o.layers(), Device.CPU), model.toString())) {
                    float[][] nat = new float[1][];
                    double tn = best(() -> nat[0] = Jacobians.spectra(analytic, at, options).spectralNorm());
                    System.out.printf(Locale.ROOT, "analytic native MLP Jacobians + native spectra:          %8.3f s  %8.1f points/s;"
                            + " max relative difference %.2g%n", tn, at.n() / tn, maxRel(nat[0], materialised[0]));
                }
            }
        }
    }

    private static double best(Runnable r) {
        r.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private static double maxRel(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-12, Math.abs(b[i])));
        }
        return m;
    }
}
