package org.latentfield.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.TorchScriptAutoencoder;
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
 * The compacted fixed-point solver against two naive all-rows loops, on the same model, the same
 * noise starts and the same stopping rule, in the same run. Each benchmark op mines the whole
 * set of starts. JMH reports ops/s (whole runs per second) and, from the auxiliary counter
 * {@code pointIterations} (the sum over points of their iteration counts, the same useful work
 * for every method), point-iterations per second; their ratios between methods are the
 * speed-ups.
 *
 * <p>Run from the repository root (the default model path is relative to it):
 * {@code java -cp 'benchmarks/target/classes:benchmarks/target/lib/*' org.openjdk.jmh.Main FixedPointBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
public class FixedPointBenchmark {
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

    /** CPU cores for the maps; 0 uses all. */
    @Param({"0"})
    public int threads;

    @Param({"0"})
    public long seed;

    /** Standard deviation of the noise starts z_0 ~ N(0, sigma^2 I). */
    @Param({"1"})
    public double noiseScale;

    private TorchScriptAutoencoder map;
    private TorchScriptAutoencoder wholeCallMap;
    private Points starts;
    private FixedPointSolver.Options options;

    @Setup(Level.Trial)
    public void setUp() {
        map = TorchScriptAutoencoder.open(ModelSource.of(Path.of(model)).withThreads(threads));
        wholeCallMap = TorchScriptAutoencoder.open(ModelSource.of(Path.of(model)).withThreads(threads).withEvalBatch(0));
        starts = StartPoints.gaussian(samples, map.latentDim(), noiseScale, seed);
        options = new FixedPointSolver.Options(tol, maxIter, FixedPointSolver.Options.DEFAULT_DIVERGENCE_BOUND, batch, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        map.close();
        wholeCallMap.close();
    }

    @Benchmark
    public FixedPointResult compacted(PointIterations work) {
        return work.count(FixedPointSolver.solve(map, starts, options));
    }

    /** The naive loop over the same (micro-batched) map, chunks of {@code batch} rows: bitwise the same endpoints. */
    @Benchmark
    public FixedPointResult naive(PointIterations work) {
        return work.count(FixedPointSolver.solveNaive(map, starts, options));
    }

    /** The naive loop as a PyTorch user writes it: all rows in one LibTorch call per step until all stopped. */
    @Benchmark
    public FixedPointResult naiveWholeBatch(PointIterations work) {
        return work.count(FixedPointSolver.solveNaive(wholeCallMap, starts, options.withBatchSize(samples)));
    }
}
