package org.latentfield.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.dynamics.PointState;
import org.latentfield.dynamics.Solver;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Convergence throughput of the fixed-point solvers (issue 12) on one model, the same noise
 * starts and the same stopping rule (||f(x) - x||^2 &lt; tol), every solver evaluating f with
 * LibTorch. Each op solves the whole set of starts; the auxiliary counters give converged points
 * per second and point-iterations per second (the sum of the iteration counts), and evaluations
 * of f per second, so a solver that needs fewer iterations shows as more converged points per
 * second at a lower iteration rate.
 *
 * <p>From the repository root:
 * {@code java -cp 'benchmarks/target/classes:benchmarks/target/lib/*' org.openjdk.jmh.Main SolverBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
public class SolverBenchmark {
    @Param({"picard", "anderson:5", "newton"})
    public String solver;

    @Param({"models/fmnist-conv-k16.pt"})
    public String model;

    @Param({"1024"})
    public int samples;

    @Param({"256"})
    public int batch;

    @Param({"1e-6"})
    public double tol;

    @Param({"3000"})
    public int maxIter;

    @Param({"0"})
    public int threads;

    @Param({"0"})
    public long seed;

    private TorchScriptAutoencoder map;
    private Points starts;
    private FixedPointSolver.Options options;
    private Solver method;

    /** Converged points, point-iterations and evaluations of f, per op. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Convergence {
        public long convergedPoints;
        public long pointIterations;
        public long evaluations;

        @Setup(Level.Iteration)
        public void reset() {
            convergedPoints = 0;
            pointIterations = 0;
            evaluations = 0;
        }

        FixedPointResult count(FixedPointResult r) {
            convergedPoints += r.count(PointState.CONVERGED);
            pointIterations += r.pointIterations();
            for (int e : r.evaluations()) {
                evaluations += e;
            }
            return r;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        map = TorchScriptAutoencoder.open(ModelSource.of(Path.of(model)).withThreads(threads));
        starts = StartPoints.gaussian(samples, map.latentDim(), 1.0, seed);
        options = new FixedPointSolver.Options(tol, maxIter, FixedPointSolver.Options.DEFAULT_DIVERGENCE_BOUND, batch, 0);
        method = Solver.parse(solver);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        map.close();
    }

    @Benchmark
    public FixedPointResult solve(Convergence work) {
        return work.count(method.solve(map, starts, options, done -> { }));
    }
}
