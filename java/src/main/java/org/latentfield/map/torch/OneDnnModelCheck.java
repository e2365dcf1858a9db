package org.latentfield.map.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Context;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.map.Shape;

/**
 * Whether oneDNN computes one model's own maps as LibTorch's reference kernels do: the part of
 * {@link TorchBackends} that decides per model. On a CPU where some oneDNN convolutions are wrong
 * (see {@link TorchBackends}), a model whose convolutions are all of the kinds oneDNN gets right
 * (the shipped conv models: every convolution has stride 2) can still use it, and oneDNN's
 * reverse pass through {@code conv_transpose2d} is the difference between a 0.3 s and a 3.4 s
 * Jacobian of fmnist-conv-k128.
 *
 * <p>What is compared, with oneDNN on and off, for latents z ~ N(0, I) (seed fixed): f(z) =
 * encode(decode(z)) on a batch of 4 and of 32 rows; the vector-Jacobian products g^T J_f(z) and
 * the Jacobian-vector products J_f(z) v (by the double-backward trick, as the matrix-free spectral
 * norm computes them) on a batch of 4, with g and v ~ N(0, I). Everything runs on one intra-op
 * thread (where the known fault shows every time) and on as many as the model will run with. Each result
 * must agree with the reference (oneDNN off) within {@link TorchBackends#TOLERANCE} (1 + max
 * |reference|), the float32 tolerance of the load-time determinism check. A product the
 * reference cannot compute (a model that cannot be differentiated) is left out, and the others
 * decide; one that oneDNN cannot compute while the reference can is a disagreement.
 */
final class OneDnnModelCheck {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private static final long SEED = 20_261_206L;
    private static final int SMALL = 4;
    private static final int LARGE = 32;

    private OneDnnModelCheck() {}

    /** One compared quantity: what it is, max |oneDNN - reference| (infinite for NaN or a failure) and what was allowed. */
    record Part(String what, double maxDiff, double allowed) {
        boolean agrees() {
            return maxDiff <= allowed;
        }
    }

    /** All parts compared, and those the reference could not compute. */
    record Outcome(List<Part> parts, List<String> skipped, int threads) {
        boolean agrees() {
            return parts.stream().allMatch(Part::agrees);
        }

        Part worst() {
            return parts.stream().max((a, b) -> Double.compare(a.maxDiff / a.allowed, b.maxDiff / b.allowed)).orElseThrow();
        }

        String describe() {
            Part w = worst();
            return String.format(Locale.ROOT, "%d comparisons of its f (batches of %d and %d), vector-Jacobian and Jacobian-vector products"
                    + " (a batch of %d) on %s, largest difference %.2g in %s (allowed %.1e)%s", parts.size(), SMALL, LARGE,
                    SMALL, threads == 1 ? "1 thread" : "1 and " + threads + " threads", w.maxDiff, w.what, w.allowed,
                    skipped.isEmpty() ? "" : "; not compared, since the reference cannot compute them: " + String.join(", ", skipped));
        }
    }

    /**
     * Compares, restoring oneDNN's setting and the intra-op thread count afterwards.
     *
     * @param calls  the model (on the CPU)
     * @param latent the shape of one latent
     * @param cores  the intra-op threads the model will run with (also compared on one)
     */
    static Outcome run(TorchModules calls, Shape latent, int cores) {
        Context context = torch.globalContext();
        boolean was = context.userEnabledMkldnn();
        int threads = torch.get_num_threads();
        List<Part> parts = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int k = latent.size();
        SplittableRandom random = new SplittableRandom(SEED);
        float[] zLarge = gaussian(random, LARGE * k);
        float[] zSmall = java.util.Arrays.copyOf(zLarge, SMALL * k);
        float[] g = gaussian(random, SMALL * k);
        float[] v = gaussian(random, SMALL * k);
        try {
            for (int t : cores <= 1 ? new int[] {1} : new int[] {1, cores}) {
                torch.set_num_threads(t);
                String on = String.format(Locale.ROOT, " on %d thread%s", t, t == 1 ? "" : "s");
                compare(context, "f of " + SMALL + " rows" + on, () -> forward(calls, latent, zSmall, SMALL), parts, skipped);
                compare(context, "f of " + LARGE + " rows" + on, () -> forward(calls, latent, zLarge, LARGE), parts, skipped);
                compare(context, "vector-Jacobian products" + on, () -> vjp(calls, latent, zSmall, g), parts, skipped);
                compare(context, "Jacobian-vector products" + on, () -> jvp(calls, latent, zSmall, v), parts, skipped);
            }
        } finally {
            torch.set_num_threads(threads);
            context.setUserEnabledMkldnn(was);
        }
        return new Outcome(parts, skipped, Math.max(1, cores));
    }

    private static void compare(Context context, String what, Supplier<double[]> compute, List<Part> parts, List<String> skipped) {
        double[] reference;
        context.setUserEnabledMkldnn(false);
        try (PointerScope scope = new PointerScope()) {
            reference = compute.get();
        } catch (RuntimeException e) {
            String quantity = what.replaceAll(" on \\d+ threads?$", ""); // named once for all thread counts
            if (!skipped.contains(quantity)) {
                skipped.add(quantity);
            }
            return;
        }
        double allowed = TorchBackends.TOLERANCE;
        double scale = 1;
        for (double r : reference) {
            if (Double.isFinite(r)) {
                scale = Math.max(scale, 1 + Math.abs(r));
            }
        }
        allowed *= scale;
        double diff;
        context.setUserEnabledMkldnn(true);
        try (PointerScope scope = new PointerScope()) {
            double[] engine = compute.get();
            diff = 0;
            for (int i = 0; i < engine.length; i++) {
                if (Double.isNaN(engine[i]) && Double.isNaN(reference[i])) {
                    continue;
                }
                double d = Math.abs(engine[i] - reference[i]);
                diff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(diff, d);
            }
        } catch (RuntimeException e) {
            diff = Double.POSITIVE_INFINITY;
            what = what + " (fails with oneDNN: " + TorchErrors.cause(e) + ")";
        }
        parts.add(new Part(what, diff, allowed));
    }

    private static double[] forward(TorchModules calls, Shape latent, float[] z, int rows) {
        try (InferenceMode guard = new InferenceMode()) {
            return host(f(calls, tensor(z, latent.batched(rows)), "while comparing oneDNN with LibTorch's own kernels"));
        }
    }

    /** g^T J_f(z) per row: one reverse pass with output gradient g. */
    private static double[] vjp(TorchModules calls, Shape latent, float[] z, float[] g) {
        int rows = z.length / latent.size();
        Tensor zt = tensor(z, latent.batched(rows));
        zt.set_requires_grad(true);
        Tensor fz = f(calls, zt, "while comparing oneDNN's vector-Jacobian products");
        Tensor gt = tensor(g, new long[] {rows, latent.size()}).reshape(fz.sizes().vec().get()).to(fz.scalar_type());
        return host(grad(fz, zt, gt, false));
    }

    /** J_f(z) v per row: u -> J^T u built with a graph (linear in u), then J v = d((J^T u) . v)/du. */
    private static double[] jvp(TorchModules calls, Shape latent, float[] z, float[] v) {
        int rows = z.length / latent.size();
        Tensor zt = tensor(z, latent.batched(rows));
        zt.set_requires_grad(true);
        Tensor fz = f(calls, zt, "while comparing oneDNN's Jacobian-vector products");
        Tensor u = torch.zeros_like(fz);
        u.set_requires_grad(true);
        Tensor transposed = grad(fz, zt, u, true);
        return host(grad(transposed, u, tensor(v, latent.batched(rows)), false));
    }

    private static Tensor f(TorchModules calls, Tensor z, String context) {
        return calls.encode(calls.decode(z, context), context);
    }

    private static Tensor grad(Tensor output, Tensor input, Tensor gradOutput, boolean createGraph) {
        Tensor g = torch.grad(new TensorVector(output), new TensorVector(input), new TensorVector(gradOutput), new BoolOptional(true),
                createGraph, false).get(0);
        if (!g.defined()) {
            throw new IllegalStateException("f does not depend on z");
        }
        return g;
    }

    private static Tensor tensor(float[] values, long[] shape) {
        return torch.from_blob(new FloatPointer(values), shape, new TensorOptions().dtype(
                new org.bytedeco.pytorch.ScalarTypeOptional(torch.ScalarType.Float))).clone();
    }

    private static double[] host(Tensor t) {
        Tensor h = t.to(new Device("cpu"), torch.ScalarType.Double).contiguous();
        double[] out = new double[(int) h.numel()];
        new DoublePointer(h.data_ptr_double()).capacity(out.length).get(out);
        return out;
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
