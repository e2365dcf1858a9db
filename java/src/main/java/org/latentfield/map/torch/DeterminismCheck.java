package org.latentfield.map.torch;

import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Method;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.map.Shape;

/**
 * The load-time check that f(z) = encode(decode(z)) is a function of z alone. On 8 latent
 * vectors z ~ N(0, I) (seed fixed), f is evaluated three ways: as one batch, as the same batch
 * again, and one vector at a time. All three must agree within a tolerance scaled to the model's
 * dtype: max |diff| &lt;= tol (1 + max |f|) with tol = 1e-10 (float64), 1e-4 (float32), 2e-2
 * (float16, bfloat16); this admits the last-bit differences of batch-size-dependent kernels and
 * catches Dropout (a different mask per call), BatchNorm with batch statistics (a row's value
 * depends on its batch) and sampling inside encode or decode. A model that fails is refused with
 * the sizes of the differences, the suspicious ops of its graphs and the fix.
 */
final class DeterminismCheck {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    static final int ROWS = 8;
    private static final long SEED = 20_260_512L;
    private static final Pattern OP = Pattern.compile("\\b(aten|prim)::([A-Za-z0-9_]+)");
    private static final Set<String> SUSPECTS = Set.of("dropout", "dropout_", "feature_dropout", "alpha_dropout", "feature_alpha_dropout",
            "batch_norm", "rand", "randn", "rand_like", "randn_like", "randint", "normal", "bernoulli", "multinomial", "uniform_", "normal_",
            "exponential_", "poisson");

    private DeterminismCheck() {}

    /**
     * Runs the check.
     *
     * @return a one-line description of what was checked, for the contract
     * @throws LatentfieldException when f is not deterministic and batch-independent
     */
    static String run(TorchModules calls, Shape latent, boolean savedTraining) {
        int k = latent.size();
        float[] z = new float[ROWS * k];
        SplittableRandom rng = new SplittableRandom(SEED);
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) rng.nextGaussian();
        }
        double tol = tolerance(calls.dtype());
        double[] once;
        double[] twice;
        double[] alone = new double[ROWS * k];
        String aloneFailure = null;
        try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode()) {
            Tensor batch = torch.from_blob(new FloatPointer(z), latent.batched(ROWS), floatOptions()).clone();
            once = f(calls, batch, ROWS, k);
            twice = f(calls, batch, ROWS, k);
            try {
                for (int r = 0; r < ROWS; r++) {
                    Tensor row = batch.narrow(0, r, 1).clone();
                    System.arraycopy(f(calls, row, 1, k), 0, alone, r * k, k);
                }
            } catch (LatentfieldException e) {
                aloneFailure = e.getMessage();
            }
        }
        double scale = 1;
        for (double v : once) {
            if (Double.isFinite(v)) {
                scale = Math.max(scale, 1 + Math.abs(v));
            }
        }
        double repeat = maxDiff(once, twice);
        double single = aloneFailure == null ? maxDiff(once, alone) : Double.NaN;
        if (repeat <= tol * scale && aloneFailure == null && single <= tol * scale) {
            return String.format(Locale.ROOT, "deterministic and batch-independent: %d latent vectors twice in a batch and one at a time"
                    + " agree within %.1e (allowed %.1e)", ROWS, Math.max(repeat, single), tol * scale);
        }
        StringBuilder why = new StringBuilder("the model " + calls.label() + " is not deterministic: encode(decode(z))");
        if (repeat > tol * scale) {
            why.append(String.format(Locale.ROOT, " of the same %d latent vectors changes by %.3g between two calls", ROWS, repeat));
        } else {
            why.append(String.format(Locale.ROOT, " of %d latent vectors is the same in two calls", ROWS));
        }
        if (aloneFailure != null) {
            why.append(", and fails on one vector alone (").append(stripPeriod(aloneFailure)).append(")");
        } else if (single > tol * scale) {
            why.append(String.format(Locale.ROOT, ", and a vector evaluated alone differs from the same vector in a batch of %d by %.3g",
                    ROWS, single));
        }
        Set<String> ops = suspects(calls);
        if (!ops.isEmpty()) {
            why.append("; its graphs hold ").append(String.join(", ", ops));
        }
        if (savedTraining) {
            why.append("; it was saved in training mode, and a traced module keeps the batch statistics of BatchNorm and the random masks"
                    + " of Dropout from that mode even in eval mode: call model.eval() before torch.jit.trace and export again.");
        } else {
            why.append("; latentfield needs f to depend on z alone: export the model in eval mode, and have encode return the mean"
                    + " rather than a sample.");
        }
        throw new LatentfieldException(why.toString());
    }

    private static double[] f(TorchModules calls, Tensor z, int rows, int k) {
        String context = "while checking that encode(decode(z)) is deterministic";
        Tensor fz = calls.encode(calls.decode(z, context), context);
        if (fz.numel() != (long) rows * k) {
            throw new LatentfieldException("the model " + calls.label() + " maps " + rows + " latent vectors to " + TorchShapes.sizes(fz)
                    + " through encode(decode(z)).");
        }
        Tensor host = fz.reshape(rows, k).to(new Device("cpu"), torch.ScalarType.Double).contiguous();
        double[] out = new double[rows * k];
        new DoublePointer(host.data_ptr_double()).capacity(out.length).get(out);
        return out;
    }

    private static double maxDiff(double[] a, double[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(a[i]) && Double.isNaN(b[i])) {
                continue;
            }
            double e = Math.abs(a[i] - b[i]);
            d = Double.isNaN(e) ? Double.POSITIVE_INFINITY : Math.max(d, e);
        }
        return d;
    }

    static double tolerance(torch.ScalarType dtype) {
        return switch (dtype) {
            case Double -> 1e-10;
            case Half, BFloat16 -> 2e-2;
            default -> 1e-4;
        };
    }

    /** Ops of the inlined encode and decode graphs that draw random numbers or use batch statistics (a hint for the message). */
    static Set<String> suspects(TorchModules calls) {
        Set<String> found = new TreeSet<>();
        for (Method m : new Method[] {calls.decodeMethod(), calls.encodeMethod()}) {
            try (PointerScope scope = new PointerScope()) {
                String graph = torch.toGraphFunction(m.function()).optimized_graph().toString();
                Matcher op = OP.matcher(graph);
                while (op.find()) {
                    if (SUSPECTS.contains(op.group(2))) {
                        found.add(op.group(1) + "::" + op.group(2));
                    }
                }
            } catch (RuntimeException e) {
                // the graph is only a hint; the numbers decided
            }
        }
        return found;
    }

    private static String stripPeriod(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static TensorOptions floatOptions() {
        return new TensorOptions().dtype(new org.bytedeco.pytorch.ScalarTypeOptional(torch.ScalarType.Float));
    }
}
