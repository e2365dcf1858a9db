package org.latentfield.bench;

import java.nio.file.Path;
import java.util.Arrays;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.dynamics.PointState;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.TorchScriptAutoencoder;

/**
 * One side-by-side run of the compacted solver and the naive loop on a model: wall time,
 * point-iterations per second, the speed-up, and whether they agree (max abs endpoint difference,
 * iteration counts and states). Companion of {@link FixedPointBenchmark} for the parity half of
 * the claim. Three runs: the compacted solver, the naive loop over the same map (micro-batched: results
 * must be bitwise identical), and the naive loop with all rows in one LibTorch call per step, as
 * a PyTorch user would write it. Usage: {@code SolverParity MODEL SAMPLES BATCH [TOL MAX_ITER SEED SIGMA]}.
 */
public final class SolverParity {
    private SolverParity() {}

    public static void main(String[] args) {
        Path model = Path.of(args.length > 0 ? args[0] : "models/fmnist-conv-k16.pt");
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        double tol = args.length > 3 ? Double.parseDouble(args[3]) : 1e-6;
        int maxIter = args.length > 4 ? Integer.parseInt(args[4]) : 3000;
        long seed = args.length > 5 ? Long.parseLong(args[5]) : 0;
        double sigma = args.length > 6 ? Double.parseDouble(args[6]) : 1.0;
        try (TorchScriptAutoencoder map = TorchScriptAutoencoder.open(ModelSource.of(model));
             TorchScriptAutoencoder plain = TorchScriptAutoencoder.open(ModelSource.of(model).withEvalBatch(0))) {
            Points z0 = StartPoints.gaussian(samples, map.latentDim(), sigma, seed);
            var options = new FixedPointSolver.Options(tol, maxIter, FixedPointSolver.Options.DEFAULT_DIVERGENCE_BOUND, batch, 0);
            FixedPointSolver.solve(map, StartPoints.gaussian(Math.min(samples, 64), map.latentDim(), 1.0, seed + 1), options);
            FixedPointResult fast = FixedPointSolver.solve(map, z0, options);
            FixedPointResult naive = FixedPointSolver.solveNaive(map, z0, options);
            FixedPointSolver.solveNaive(plain, StartPoints.gaussian(Math.min(samples, 64), map.latentDim(), 1.0, seed + 1), options);
            FixedPointResult whole = FixedPointSolver.solveNaive(plain, z0, options.withBatchSize(samples));
            int[] it = fast.iterations().clone();
            Arrays.sort(it);
            System.out.printf("model %s, %d noise starts N(0, %g^2 I), batch %d, tol %g, max-iter %d; micro-batched map: %d workers x %d"
                    + " LibTorch thread(s); whole-call map: %d LibTorch threads%n", model, samples, sigma, batch, tol, maxIter, map.workers(),
                    map.intraOpThreads(), plain.intraOpThreads());
            System.out.printf("iterations: min %d, median %d, p90 %d, max %d; converged %d, not converged %d, diverged %d%n", it[0],
                    it[it.length / 2], it[(int) (it.length * 0.9)], it[it.length - 1], fast.count(PointState.CONVERGED),
                    fast.count(PointState.NOT_CONVERGED), fast.count(PointState.DIVERGED));
            System.out.printf("compacted (micro-batch %d): %.2f s, %.0f point-iterations/s%n", map.evalBatch(), fast.seconds(),
                    fast.pointIterationsPerSecond());
            System.out.printf("naive (same micro-batched map, chunks of %d): %.2f s, %.0f point-iterations/s; speed-up %.2fx;"
                    + " max |endpoint difference| %.3g; iteration counts identical: %b; states identical: %b%n", batch, naive.seconds(),
                    naive.pointIterationsPerSecond(), naive.seconds() / fast.seconds(), maxDiff(fast, naive),
                    Arrays.equals(fast.iterations(), naive.iterations()), Arrays.equals(fast.states(), naive.states()));
            System.out.printf("naive (all %d rows per LibTorch call, as a PyTorch loop): %.2f s, %.0f point-iterations/s; speed-up %.2fx;"
                    + " max |endpoint difference| %.3g (max |z*| %.1f); iteration counts identical: %b; states identical: %b%n", samples,
                    whole.seconds(), whole.pointIterationsPerSecond(), whole.seconds() / fast.seconds(), maxDiff(fast, whole),
                    maxNorm(fast), Arrays.equals(fast.iterations(), whole.iterations()), Arrays.equals(fast.states(), whole.states()));
        }
    }

    static double maxDiff(FixedPointResult a, FixedPointResult b) {
        double d = 0;
        for (int i = 0; i < a.endpoints().data().length; i++) {
            d = Math.max(d, Math.abs(a.endpoints().data()[i] - b.endpoints().data()[i]));
        }
        return d;
    }

    static double maxNorm(FixedPointResult r) {
        double m = 0;
        for (int i = 0; i < r.size(); i++) {
            double s = 0;
            for (float v : r.endpoints().row(i)) {
                s += v * v;
            }
            m = Math.max(m, Math.sqrt(s));
        }
        return m;
    }
}
