package org.latentfield.map.torch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.BoolPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Context;
import org.bytedeco.pytorch.T_TensorTensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.kernels.NativeLibraries;

/**
 * LibTorch's CPU convolution engine, checked once per process before any module is loaded or
 * trained. LibTorch computes float32 convolutions on the CPU with oneDNN (MKL-DNN) where it can,
 * and with its own reference kernels otherwise. On some CPUs oneDNN computes some of them wrong:
 * on an AMD EPYC (Zen 5, AVX-512) LibTorch 2.10's oneDNN 3.7.1 gets {@code conv_transpose2d} with
 * stride 1 and a kernel larger than 1 wrong by O(1), or NaN, whenever the batch has more than one
 * item and the input channels are not a multiple of 16; likewise the input gradient of a stride-1
 * {@code conv2d} whose output channels are not (both run oneDNN's backward-data kernel on a
 * channel-padded blocked layout, with AVX-512 and with AVX2 code alike). Stride 2 and a single
 * item (which does not go through oneDNN) are right. Such an engine makes a model's output depend
 * on the batch its input came in, and trains on wrong gradients.
 *
 * <p>The check: small convolutions (conv2d and conv_transpose2d with stride 1 and 2 and 3 or 4
 * input channels, and the input and weight gradients of a stride-1 conv2d with 4 output channels;
 * 3 x 3 kernels, a batch of 4 items of 8 x 8) are computed with oneDNN on, on one intra-op thread
 * (where the fault above shows every time; on two it sometimes gives the right answer) and on
 * LibTorch's current count, and compared with the same ops in float64 with oneDNN off (a direct
 * computation). They must agree within {@value #TOLERANCE} (1 + max |reference|), the float32
 * tolerance of the load-time determinism check; a correct engine differs by about 1e-6. Where any
 * does not, oneDNN is switched off for the process ({@code setUserEnabledMkldnn(false)}) and the
 * contract of every model says so. The check takes about 0.2 s. Being off costs speed: conv
 * models evaluate about 2x slower (on the machine above, fmnist-conv-k16's {@code attractors}:
 * 18,200 to 20,200 point-iterations/s with oneDNN, 8,600 to 11,300 without, 2,000 starts, 2
 * shared cores; the same attractors), which is why oneDNN is not switched off everywhere.
 *
 * <p>The switch is LibTorch's process-wide flag, so the outcome is held process-wide too (the one
 * global state of this package): the check runs once, under a lock, and the first caller's
 * outcome is every caller's.
 */
public final class TorchBackends {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    /** Allowed |oneDNN - reference| relative to 1 + max |reference|: the float32 tolerance of {@link DeterminismCheck}. */
    public static final double TOLERANCE = 1e-4;
    private static final long SEED = 20_260_601L;
    private static final int BATCH = 4;
    private static final int SIZE = 8;
    private static final int KERNEL = 3;
    private static final List<Op> OPS = List.of(
            new Op(false, false, 3, 8, 1), new Op(false, false, 3, 8, 2),
            new Op(true, false, 4, 8, 1), new Op(true, false, 4, 8, 2),
            new Op(false, true, 8, 4, 1));

    /** The start of every note about the convolution engine in a model contract. */
    public static final String NOTE_PREFIX = "LibTorch's oneDNN convolution";

    private static Check checked;
    /** Whether a model (or training) in this process needs LibTorch's own kernels: then oneDNN stays off for good. */
    private static boolean referenceOnly;

    private TorchBackends() {}

    /**
     * One probed convolution: its description (op, channels, stride, batch, threads), max |engine -
     * reference| (infinite for NaN) and what was allowed.
     */
    public record Probe(String op, double maxDiff, double allowed) {
        public boolean agrees() {
            return maxDiff <= allowed;
        }
    }

    /**
     * The outcome of the check.
     *
     * @param oneDnnAvailable whether this LibTorch has oneDNN at all
     * @param oneDnnOn        whether LibTorch's convolutions now use it
     * @param probes          the convolutions computed with oneDNN on, against their references
     *                        (empty when oneDNN was unavailable or already off)
     * @param note            for the model contract, when oneDNN was switched off
     */
    public record Check(boolean oneDnnAvailable, boolean oneDnnOn, List<Probe> probes, Optional<String> note) {
        public Check {
            probes = List.copyOf(probes);
        }

        /** The largest difference of the probes (0 with none). */
        public double maxDiff() {
            return probes.stream().mapToDouble(Probe::maxDiff).max().orElse(0);
        }

        /** One line for {@code info}: whether convolutions use oneDNN and why. */
        public String describe() {
            if (!oneDnnAvailable) {
                return "not in this LibTorch";
            }
            if (probes.isEmpty()) {
                return "off (switched off before latentfield checked it)";
            }
            String state = oneDnnOn ? "on" : "off unless a model's own results agree (decided per model at load, see its notes; now "
                    + (torch.globalContext().userEnabledMkldnn() ? "on" : "off") + ")";
            return String.format(Locale.ROOT, "%s: %d probe convolutions with oneDNN differ from their float64 reference by at most %.3g"
                    + " (allowed %.1e (1 + max |reference|))", state, probes.size(), maxDiff(), TOLERANCE);
        }

        /** The probe with the largest difference, if any. */
        public Optional<Probe> worst() {
            return probes.stream().max(Comparator.comparingDouble(Probe::maxDiff));
        }
    }

    /**
     * Makes sure LibTorch's CPU convolutions compute what they should: on the first call checks
     * oneDNN and switches it off where it disagrees with the reference; later calls return the
     * first call's outcome. Call before loading, evaluating or training any module.
     */
    public static synchronized Check ensureCorrectConvolutions() {
        if (checked == null) {
            checked = decide();
        }
        return checked;
    }

    /** The note for a model contract: present when oneDNN was switched off (runs the check if it has not run). */
    public static Optional<String> note() {
        return ensureCorrectConvolutions().note();
    }

    /**
     * Decides oneDNN for one model about to run on the CPU, and returns the note for its contract.
     * Where the process-wide check found oneDNN right, it stays on and there is no note. Where it
     * found it wrong, oneDNN is off, and this model is compared with oneDNN on and off ({@link
     * OneDnnModelCheck}: its f, vector-Jacobian and Jacobian-vector products): when they agree
     * and no model opened before in this process disagreed, oneDNN is switched on; when they
     * disagree, it is switched off for the rest of the process (the flag is process-wide, and a
     * model already admitted is right with LibTorch's own kernels too, only slower).
     */
    static synchronized Optional<String> admit(TorchModules calls, org.latentfield.map.Shape latent, int cores) {
        Check check = ensureCorrectConvolutions();
        if (check.oneDnnOn() || check.note().isEmpty() || calls.device().is_cuda()) {
            return check.note();
        }
        String off = check.note().get();
        if (referenceOnly) {
            return Optional.of(off);
        }
        OneDnnModelCheck.Outcome outcome = OneDnnModelCheck.run(calls, latent, cores);
        Context context = torch.globalContext();
        if (!outcome.agrees()) {
            referenceOnly = true;
            context.setUserEnabledMkldnn(false);
            return Optional.of(off + "; with oneDNN this model's own results differ too (" + outcome.describe() + ")");
        }
        context.setUserEnabledMkldnn(true);
        Probe worst = check.worst().orElseThrow();
        return Optional.of(String.format(Locale.ROOT, "%s is wrong on this CPU for some convolutions (max diff %.3g in %s), but not for this"
                + " model: %s; oneDNN is on while it runs", NOTE_PREFIX, worst.maxDiff(), worst.op(), outcome.describe()));
    }

    /**
     * Keeps oneDNN off for the rest of the process where the process-wide check found it wrong:
     * for work no per-model check covers (training: weight gradients, any architecture).
     */
    public static synchronized void referenceKernelsOnly() {
        Check check = ensureCorrectConvolutions();
        if (check.note().isPresent()) {
            referenceOnly = true;
            torch.globalContext().setUserEnabledMkldnn(false);
        }
    }

    private static Check decide() {
        Context context = torch.globalContext();
        // NNPACK only serves the convolutions oneDNN does not take, with Winograd/FFT numerics of its own; on a CPU it
        // does not support, LibTorch prints "Could not initialize NNPACK!" once per thread on a conv call, which breaks
        // the one-sentence stderr of a failing command. LibTorch's own kernels replace it.
        context.setUserEnabledNNPACK(false);
        if (!Context.hasMKLDNN()) {
            return new Check(false, false, List.of(), Optional.empty());
        }
        if (!context.userEnabledMkldnn()) {
            return new Check(true, false, List.of(), Optional.empty());
        }
        List<Probe> probes;
        String why;
        try {
            probes = probe(true);
            Check found = new Check(true, true, probes, Optional.empty());
            if (probes.stream().allMatch(Probe::agrees)) {
                return found;
            }
            Probe worst = found.worst().orElseThrow();
            why = String.format(Locale.ROOT, "disagrees with its reference on this CPU (max diff %.3g in %s, allowed %.1e)", worst.maxDiff(),
                    worst.op(), worst.allowed());
        } catch (RuntimeException e) {
            probes = List.of(new Probe("a probe convolution that failed: " + TorchErrors.cause(e), Double.POSITIVE_INFINITY, TOLERANCE));
            why = "fails on this CPU (" + TorchErrors.cause(e) + ")";
        }
        context.setUserEnabledMkldnn(false);
        return new Check(true, false, probes, Optional.of(NOTE_PREFIX + " " + why + "; oneDNN is off for this process, so"
                + " convolutions use LibTorch's own kernels: the same numbers as PyTorch's reference, conv models about 2x slower"));
    }

    /**
     * Computes the probe convolutions with oneDNN {@code on} (as asked, whatever the current
     * setting) and compares each with its float64 reference computed with oneDNN off; restores
     * oneDNN's setting and the intra-op thread count before returning. Changes nothing else.
     */
    public static synchronized List<Probe> probe(boolean on) {
        Context context = torch.globalContext();
        boolean was = context.userEnabledMkldnn();
        int threads = torch.get_num_threads();
        List<Probe> probes = new ArrayList<>();
        try (PointerScope scope = new PointerScope()) {
            for (int t : threads == 1 ? new int[] {1} : new int[] {1, threads}) {
                torch.set_num_threads(t);
                for (Op op : OPS) {
                    probes.add(op.compare(context, on, t));
                }
            }
        } finally {
            torch.set_num_threads(threads);
            context.setUserEnabledMkldnn(was);
        }
        return probes;
    }

    /** A convolution (3 x 3, padding 1, a batch of 4 items of 8 x 8), forward or its input and weight gradients. */
    private record Op(boolean transposed, boolean backward, int in, int out, int stride) {
        Probe compare(Context context, boolean on, int threads) {
            SplittableRandom random = new SplittableRandom(SEED + 31L * in + 7L * stride + (transposed ? 1 : 0) + (backward ? 2 : 0));
            int outputPadding = transposed ? stride - 1 : 0;
            int outSize = transposed ? (SIZE - 1) * stride - 2 + KERNEL + outputPadding : (SIZE + 2 - KERNEL) / stride + 1;
            double[] x = gaussian(random, (long) BATCH * in * SIZE * SIZE, 1);
            double[] w = gaussian(random, (long) in * out * KERNEL * KERNEL, 1 / Math.sqrt(in * KERNEL * KERNEL));
            double[] b = gaussian(random, out, 1);
            double[] g = gaussian(random, (long) BATCH * out * outSize * outSize, 1);
            long[] wShape = transposed ? new long[] {in, out, KERNEL, KERNEL} : new long[] {out, in, KERNEL, KERNEL};
            context.setUserEnabledMkldnn(on);
            Tensor[] engine = run(x, w, b, g, wShape, outputPadding, false);
            context.setUserEnabledMkldnn(false);
            Tensor[] reference = run(x, w, b, g, wShape, outputPadding, true);
            double diff = 0;
            double allowed = TOLERANCE;
            double worst = -1;
            for (int i = 0; i < engine.length; i++) {
                double a = TOLERANCE * (1 + reference[i].abs().max().item_double());
                double d = engine[i].to(torch.ScalarType.Double).sub(reference[i]).abs().max().item_double();
                d = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                if (d / a > worst) {
                    worst = d / a;
                    diff = d;
                    allowed = a;
                }
            }
            String what = String.format(Locale.ROOT, "%s%s %d -> %d channels, stride %d, a batch of %d, %d thread%s",
                    transposed ? "conv_transpose2d" : "conv2d", backward ? " (input and weight gradients)" : "", in, out, stride, BATCH,
                    threads, threads == 1 ? "" : "s");
            return new Probe(what, diff, allowed);
        }

        /** The forward output, or the input and weight gradients of sum(g * output); float32 or float64. */
        private Tensor[] run(double[] x, double[] w, double[] b, double[] g, long[] wShape, int outputPadding, boolean float64) {
            Tensor xt = tensor(x, float64, BATCH, in, SIZE, SIZE);
            Tensor wt = tensor(w, float64, wShape);
            Tensor bt = tensor(b, float64, out);
            long[] strides = {stride, stride};
            long[] padding = {1, 1};
            long[] dilation = {1, 1};
            long[] outPadding = {outputPadding, outputPadding};
            if (!backward) {
                Tensor y = transposed
                        ? torch.conv_transpose2d(xt, wt, new TensorOptional(bt), strides, padding, outPadding, 1, dilation)
                        : torch.conv2d(xt, wt, new TensorOptional(bt), strides, padding, dilation, 1);
                return new Tensor[] {y};
            }
            Tensor y = torch.conv2d(xt, wt, new TensorOptional(bt), strides, padding, dilation, 1);
            Tensor gt = tensor(g, float64, y.sizes().vec().get());
            BoolPointer mask = new BoolPointer(3);
            mask.put(0, true).put(1, true).put(2, false);
            T_TensorTensorTensor_T grads = torch.convolution_backward(gt, xt, wt, new long[] {out}, strides, padding, dilation, transposed,
                    outPadding, 1, mask);
            return new Tensor[] {grads.get0(), grads.get1()};
        }
    }

    private static double[] gaussian(SplittableRandom random, long n, double scale) {
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * random.nextGaussian();
        }
        return v;
    }

    private static Tensor tensor(double[] values, boolean float64, long... shape) {
        Tensor t = Tensor.create(values, shape);
        return float64 ? t : t.to(torch.ScalarType.Float);
    }
}
