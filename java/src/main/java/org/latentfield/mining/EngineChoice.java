package org.latentfield.mining;

import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Points;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.dynamics.NativeRunCheck;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.map.DifferentiableMap;
import org.latentfield.map.NativeEngineMap;
import org.latentfield.kernels.NativeNet;
import org.latentfield.map.torch.MlpExtraction;
import org.latentfield.map.torch.NetExtraction;
import org.latentfield.map.torch.TorchScriptAutoencoder;

/**
 * {@code --engine torch|native|auto}: whether f runs in LibTorch or in one of liblf's engines,
 * and why.
 *
 * <p>A model runs natively only when the structure of its graphs admits it: to the fused MLP
 * engine ({@link MlpExtraction}, CPU or CUDA) or else to the network engine ({@link
 * NetExtraction}: convolutions, padding, more activations; CPU). Every native run is
 * spot-checked against LibTorch ({@link NativeRunCheck}). Under
 * {@code auto} a refused model, or a run whose check fails, runs in LibTorch (the run is
 * repeated there, and later runs stay there); under {@code native} either is an error. The
 * {@link #description()} that goes into every summary says which engine ran and, when it is
 * LibTorch under {@code auto}, why: "native cpu: 2 -> 32 -> 784 -> 32 -> 2", "native cpu: 16 ->
 * linear 512, 4 conv_transpose2d to 1 x 32 x 32, ...", "torch", "torch (decode uses
 * aten::max_pool2d, which the native engine does not run)".
 */
public final class EngineChoice implements AutoCloseable {
    private final String requested;
    private final TorchScriptAutoencoder torch;
    private final String model;
    private NativeEngineMap nativeMap;
    private String description;
    private String check;

    private EngineChoice(String requested, TorchScriptAutoencoder torch, String model, NativeEngineMap nativeMap, String description) {
        this.requested = requested;
        this.torch = torch;
        this.model = model;
        this.nativeMap = nativeMap;
        this.description = description;
    }

    public static EngineChoice choose(String engine, TorchScriptAutoencoder map, String model) {
        return choose(engine, map, model, UnaryOperator.identity());
    }

    /** As {@link #choose(String, TorchScriptAutoencoder, String)}; {@code plan} edits the admitted layers (tests plant a wrong plan). */
    public static EngineChoice choose(String engine, TorchScriptAutoencoder map, String model, UnaryOperator<List<NativeMlp.Layer>> plan) {
        if (engine.equals("torch")) {
            return new EngineChoice(engine, map, model, null, "torch");
        }
        MlpExtraction.Outcome extracted = MlpExtraction.extract(map);
        if (extracted.ok()) {
            Device device = map.device().startsWith("cuda") && NativeKernels.cudaDeviceCount() > 0 ? Device.CUDA : Device.CPU;
            NativeEngineMap nativeMap = new NativeEngineMap(NativeMlp.create(plan.apply(extracted.layers()), device), model);
            return new EngineChoice(engine, map, model, nativeMap, "native " + device.spec() + ": " + extracted.describe());
        }
        NetExtraction.Outcome net = NetExtraction.extract(map);
        if (!net.ok()) {
            if (engine.equals("native")) {
                throw new LatentfieldException("--engine native: the model " + model + " cannot run natively: " + net.reason()
                        + "; use --engine torch.");
            }
            return new EngineChoice(engine, map, model, null, "torch (" + net.reason() + ")");
        }
        Device device = map.device().startsWith("cuda") && NativeKernels.cudaDeviceCount() > 0 ? Device.CUDA : Device.CPU;
        if (device == Device.CUDA && engine.equals("auto")) {
            // the twin's parity tests have not run on a GPU yet (benchmarks/gpu/run.sh runs them): opt-in until they have
            return new EngineChoice(engine, map, model, null, "torch (liblf's network engine reads this model, but its CUDA twin has not"
                    + " yet been checked on a GPU; --engine native runs it, checked against LibTorch after every run)");
        }
        NativeEngineMap nativeMap = new NativeEngineMap(NativeNet.create(net.layers(), device), model);
        return new EngineChoice(engine, map, model, nativeMap, "native " + device.spec() + ": " + net.describe());
    }

    /** Whether f currently runs natively. */
    public boolean isNative() {
        return nativeMap != null;
    }

    /** The map f is evaluated with now: the native plan, or LibTorch (after a refusal or a failed check). */
    public DifferentiableMap map() {
        return nativeMap != null ? nativeMap : torch;
    }

    /** "native DEVICE: k -> ... -> k", "torch", or "torch (why not native)", for summaries. */
    public String description() {
        return description;
    }

    /** What the last spot check of a native run found ({@link NativeRunCheck.Verdict#describe()}), or null when none ran. */
    public String check() {
        return check;
    }

    /**
     * Iterates f from {@code starts}: liblf's fused loop, checked against LibTorch afterwards, or
     * the compacted solver over LibTorch. A failed check repeats the run in LibTorch (auto; the
     * repeat reports no progress, the bar having reached its end) or fails (native); the native
     * result is never returned unchecked.
     */
    public FixedPointResult solve(Points starts, FixedPointSolver.Options options, LongConsumer progress) {
        if (nativeMap == null) {
            return FixedPointSolver.solve(torch, starts, options, progress);
        }
        FixedPointResult run = FixedPointSolver.solveNative(nativeMap.engine(), starts, options, progress);
        NativeRunCheck.Verdict verdict = NativeRunCheck.afterRun(run, nativeMap.engine(), torch, NativeRunCheck.Options.DEFAULT);
        check = verdict.describe();
        if (verdict.passed()) {
            return run;
        }
        drop(verdict);
        return FixedPointSolver.solve(torch, starts, options, done -> { });
    }

    public FixedPointResult solve(Points starts, FixedPointSolver.Options options) {
        return solve(starts, options, done -> { });
    }

    /** Checks the native f against LibTorch's at a sample of {@code points} before using it there (e.g. for Jacobians). */
    public void confirm(Points points) {
        if (nativeMap != null) {
            NativeRunCheck.Verdict verdict = NativeRunCheck.atPoints(points, nativeMap.engine(), torch, NativeRunCheck.Options.DEFAULT);
            check = verdict.describe();
            if (!verdict.passed()) {
                drop(verdict);
            }
        }
    }

    private void drop(NativeRunCheck.Verdict verdict) {
        if (requested.equals("native")) {
            throw new LatentfieldException("--engine native: the native engine's results for the model " + model
                    + " failed the check against LibTorch: " + verdict.failure() + "; use --engine torch.");
        }
        description = "torch (the native plan " + description.substring("native ".length()) + " failed the check against LibTorch: "
                + verdict.failure() + "; LibTorch ran instead)";
        nativeMap.close();
        nativeMap = null;
    }

    /** Frees the native plan (safe twice); {@link #isNative()} and the description still tell what ran. */
    @Override
    public void close() {
        if (nativeMap != null) {
            nativeMap.close();
        }
    }
}
