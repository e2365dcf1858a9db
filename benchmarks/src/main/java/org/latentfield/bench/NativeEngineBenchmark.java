package org.latentfield.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeEngine;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.kernels.NativeNet;
import org.latentfield.map.ModelSource;
import org.latentfield.map.torch.MlpExtraction;
import org.latentfield.map.torch.NetExtraction;
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
 * liblf's engines (the whole Picard loop native: the fused MLP engine for Linear stacks, the
 * network engine for conv models) against the TorchScript paths on the same model, starts and
 * stopping rule: the compacted solver over LibTorch micro-batches, and the loop a PyTorch user
 * writes (all rows in one LibTorch call per step). The auxiliary counter {@code pointIterations}
 * gives point-iterations per second.
 *
 * <p>{@code java -cp 'benchmarks/target/classes:benchmarks/target/lib/*' org.openjdk.jmh.Main NativeEngineBenchmark
 * -p model=models/fmnist-conv-k16.pt -p samples=1024}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
public class NativeEngineBenchmark {
    @Param({"models/mnist-mlp-k2.pt"})
    public String model;

    @Param({"2048"})
    public int samples;

    @Param({"1024"})
    public int batch;

    @Param({"1e-6"})
    public double tol;

    @Param({"3000"})
    public int maxIter;

    @Param({"0"})
    public long seed;

    private TorchScriptAutoencoder map;
    private TorchScriptAutoencoder wholeCallMap;
    private NativeEngine engine;
    private Points starts;
    private FixedPointSolver.Options options;

    @Setup(Level.Trial)
    public void setUp() {
        map = TorchScriptAutoencoder.open(ModelSource.of(Path.of(model)));
        wholeCallMap = TorchScriptAutoencoder.open(ModelSource.of(Path.of(model)).withEvalBatch(0));
        MlpExtraction.Outcome o = MlpExtraction.extract(map);
        if (o.ok()) {
            engine = NativeMlp.create(o.layers(), Device.CPU);
        } else {
            NetExtraction.Outcome n = NetExtraction.extract(map);
            if (!n.ok()) {
                throw new IllegalStateException(model + " cannot run natively: " + n.reason());
            }
            engine = NativeNet.create(n.layers());
        }
        starts = StartPoints.gaussian(samples, map.latentDim(), 1.0, seed);
        options = new FixedPointSolver.Options(tol, maxIter, FixedPointSolver.Options.DEFAULT_DIVERGENCE_BOUND, batch, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
        map.close();
        wholeCallMap.close();
    }

    @Benchmark
    public FixedPointResult nativeEngine(PointIterations work) {
        return work.count(FixedPointSolver.solveNative(engine, starts, options, done -> { }));
    }

    @Benchmark
    public FixedPointResult torchCompacted(PointIterations work) {
        return work.count(FixedPointSolver.solve(map, starts, options));
    }

    @Benchmark
    public FixedPointResult torchWholeBatch(PointIterations work) {
        return work.count(FixedPointSolver.solveNaive(wholeCallMap, starts, options.withBatchSize(samples)));
    }
}
