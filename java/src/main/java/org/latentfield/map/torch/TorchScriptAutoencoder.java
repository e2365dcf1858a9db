package org.latentfield.map.torch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Method;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TupleElements;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.LatentfieldException;
import org.latentfield.data.ImageSet;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.DifferentiableMap;
import org.latentfield.map.ModelSource;

/**
 * A TorchScript autoencoder run in LibTorch: f(z) = encode(decode(z)).
 *
 * <p>Accepted archives: one module with methods {@code encode(x)} and {@code decode(z)} (a
 * PyTorch user marks them {@code @torch.jit.export} and saves {@code torch.jit.script(model)}),
 * or a pair of modules, encoder and decoder, each with {@code forward}. When {@code encode}
 * returns a tuple (a VAE's {@code (mu, logvar)}), its first element is used.
 *
 * <p>The latent dimension k comes, in this order, from an integer attribute {@code latent_dim}
 * of the module, from the field {@code latent_dim} of the JSON model card next to the file
 * ({@code model.pt} -> {@code model.json}), or from the user; a user value that contradicts
 * the first two is an error. The model is probed once with a zero batch to check that
 * {@code decode} accepts k-vectors and {@code encode} returns them.
 *
 * <p>Evaluation runs under {@code InferenceMode}; every temporary of a call lives in a
 * {@link PointerScope} closed before it returns, and inputs and outputs are wrapped, not
 * copied, from the caller's native buffers ({@code from_blob}), so memory stays flat over
 * millions of calls. This is the only class that touches {@code org.bytedeco.pytorch}.
 */
public final class TorchScriptAutoencoder implements DifferentiableMap {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<JitModule> modules;
    private final Method encode;
    private final Method decode;
    private final int latentDim;
    private final String latentDimSource;
    private final Device device;
    private final String deviceName;
    private final String label;
    private final int evalBatch;
    private final NativeMatrix padIn;
    private final NativeMatrix padOut;
    private final int workers;
    private final int intraOpThreads;
    private final ExecutorService pool;
    private boolean closed;

    private TorchScriptAutoencoder(List<JitModule> modules, Method encode, Method decode, int latentDim,
                                   String latentDimSource, Device device, String label, int evalBatch, int cores) {
        this.modules = modules;
        this.encode = encode;
        this.decode = decode;
        this.latentDim = latentDim;
        this.latentDimSource = latentDimSource;
        this.device = device;
        this.deviceName = device.str().getString();
        this.label = label;
        this.evalBatch = evalBatch;
        this.padIn = evalBatch > 0 ? new NativeMatrix(evalBatch, latentDim) : null;
        this.padOut = evalBatch > 0 ? new NativeMatrix(evalBatch, latentDim) : null;
        boolean parallelMicroBatches = evalBatch > 0 && !device.is_cuda();
        this.workers = parallelMicroBatches ? cores : 1;
        this.intraOpThreads = parallelMicroBatches ? 1 : cores;
        this.pool = workers > 1 ? Executors.newFixedThreadPool(workers - 1, r -> {
            Thread t = new Thread(r, "latentfield-map");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Loads and validates an autoencoder.
     *
     * @throws LatentfieldException with one sentence naming the file and what was expected
     */
    public static TorchScriptAutoencoder open(ModelSource source) {
        Device device = resolveDevice(source.device());
        List<JitModule> modules = new ArrayList<>();
        try {
            Method encode;
            Method decode;
            JitModule first = load(source.model(), device);
            modules.add(first);
            if (source.decoder().isPresent()) {
                JitModule second = load(source.decoder().get(), device);
                modules.add(second);
                encode = method(first, "forward", source.model(), "the encoder of a pair");
                decode = method(second, "forward", source.decoder().get(), "the decoder of a pair");
            } else {
                encode = method(first, "encode", source.model(), "an autoencoder");
                decode = method(first, "decode", source.model(), "an autoencoder");
            }
            LatentDim dim = latentDim(first, source);
            TorchScriptAutoencoder map = new TorchScriptAutoencoder(modules, encode, decode, dim.value, dim.source,
                    device, source.model().toString(), source.evalBatch(), source.cores());
            try {
                map.probe();
            } catch (RuntimeException e) {
                map.close();
                throw e;
            }
            return map;
        } catch (RuntimeException e) {
            modules.forEach(JitModule::close);
            throw e;
        }
    }

    /** Number of threads LibTorch uses for intra-op parallelism (process-wide). */
    public static int torchThreads() {
        return torch.get_num_threads();
    }

    /** Micro-batches evaluated at a time (1 with whole calls or on a GPU). */
    public int workers() {
        return workers;
    }

    /** LibTorch intra-op threads this map evaluates with (1 when micro-batches run in parallel). */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** Whether LibTorch sees a CUDA device. */
    public static boolean cudaAvailable() {
        return torch.cuda_is_available();
    }

    @Override
    public int latentDim() {
        return latentDim;
    }

    /** Where the latent dimension came from: "module attribute latent_dim", "model card ...", "--latent-dim". */
    public String latentDimSource() {
        return latentDimSource;
    }

    @Override
    public String device() {
        return deviceName;
    }

    /** Number of parameters (scalars) over all modules. */
    public long parameterCount() {
        long count = 0;
        try (PointerScope scope = new PointerScope()) {
            for (JitModule m : modules) {
                var params = m.parameters(true);
                long size = params.size();
                var it = params.begin();
                for (long i = 0; i < size; i++, it = it.increment()) {
                    count += it.access().numel();
                }
            }
        }
        return count;
    }

    /** The integer list attribute {@code input_shape} of the module, when it has one. */
    public Optional<long[]> inputShape() {
        JitModule m = modules.get(0);
        if (!m.hasattr("input_shape")) {
            return Optional.empty();
        }
        try (PointerScope scope = new PointerScope()) {
            IValue v = m.attr("input_shape");
            if (!v.isIntList()) {
                return Optional.empty();
            }
            return Optional.of(v.toIntVector().get());
        }
    }

    /**
     * The module's parameters in registration order as (name, shape, values), for engines that
     * run the network themselves ({@link MlpExtraction}); empty for an encoder/decoder pair.
     */
    List<NamedParameter> parameters() {
        List<NamedParameter> out = new ArrayList<>();
        if (modules.size() != 1) {
            return out;
        }
        try (PointerScope scope = new PointerScope()) {
            org.bytedeco.pytorch.named_parameter_list list = modules.get(0).named_parameters(true);
            for (org.bytedeco.pytorch.named_parameter_iterator it = list.begin(); it.notEquals(list.end()); it = it.increment()) {
                org.bytedeco.pytorch.NamedTensor p = it.access();
                Tensor t = p.value().detach().to(new Device("cpu"), torch.ScalarType.Float).contiguous();
                long[] shape = t.sizes().vec().get();
                float[] values = new float[(int) t.numel()];
                new FloatPointer(t.data_ptr_float()).capacity(values.length).get(values);
                out.add(new NamedParameter(p.name().getString(), shape, values));
            }
        }
        return out;
    }

    /** One parameter of the module. */
    record NamedParameter(String name, long[] shape, float[] values) {}

    /** A short name of the model for messages. */
    String label() {
        return label;
    }

    /** Rows per LibTorch call (0: each call whole); see {@link ModelSource#evalBatch()}. */
    public int evalBatch() {
        return evalBatch;
    }

    /**
     * Writes f(z) = encode(decode(z)) for the first {@code rows} rows. With a micro-batch m > 0
     * the rows are evaluated m at a time; a last partial micro-batch is copied into a zero-padded
     * scratch of m rows, so every LibTorch call has the same shape and each row's value is
     * bitwise independent of the batch it came in. Micro-batches are evaluated {@link #workers()}
     * at a time, each on one LibTorch thread, which on the conv model is twice as fast as one
     * call at a time on two intra-op threads.
     */
    @Override
    public void apply(NativeMatrix in, NativeMatrix out, int rows) {
        if (closed) {
            throw new IllegalStateException("the autoencoder " + label + " is closed");
        }
        if (in.cols() != latentDim || out.cols() != latentDim || rows > in.capacity() || rows > out.capacity()) {
            throw new IllegalArgumentException("batch of " + rows + " rows does not fit " + in.capacity() + " x " + in.cols()
                    + " -> " + out.capacity() + " x " + out.cols() + " for k = " + latentDim);
        }
        if (torch.get_num_threads() != intraOpThreads) {
            torch.set_num_threads(intraOpThreads); // process-wide: another map may have set it
        }
        if (evalBatch == 0) {
            if (rows > 0) {
                evaluateInto(in.data(), out.data(), 0, rows);
            }
            return;
        }
        int batches = (rows + evalBatch - 1) / evalBatch;
        if (batches <= 1 || workers == 1) {
            for (int b = 0; b < batches; b++) {
                evaluateMicroBatch(in, out, rows, b);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable drain = () -> {
            for (int b; (b = next.getAndIncrement()) < batches; ) {
                evaluateMicroBatch(in, out, rows, b);
            }
        };
        List<Future<?>> helpers = new ArrayList<>();
        for (int w = 1; w < Math.min(workers, batches); w++) {
            helpers.add(pool.submit(drain));
        }
        RuntimeException failure = null;
        try {
            drain.run();
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : helpers) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while evaluating " + label, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Evaluates micro-batch b (rows b*m .. min((b+1)*m, rows)); a partial last one goes through the zero-padded scratch. */
    private void evaluateMicroBatch(NativeMatrix in, NativeMatrix out, int rows, int b) {
        int first = b * evalBatch;
        int len = Math.min(evalBatch, rows - first);
        if (len == evalBatch) {
            evaluateInto(in.data(), out.data(), (long) first * latentDim, evalBatch);
            return;
        }
        in.copyRowsTo(first, padIn, 0, len);
        padIn.zeroRows(len, evalBatch - len);
        evaluateInto(padIn.data(), padOut.data(), 0, evalBatch);
        padOut.copyRowsTo(0, out, first, len);
    }

    private void evaluateInto(FloatPointer in, FloatPointer out, long offset, int rows) {
        try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode()) {
            long[] shape = {rows, latentDim};
            Tensor z = torch.from_blob(in.getPointer(offset), shape, floatOptions());
            Tensor result = evaluate(device.is_cuda() ? z.to(device, torch.ScalarType.Float) : z, rows);
            torch.from_blob(out.getPointer(offset), shape, floatOptions()).copy_(result);
        }
    }

    private Tensor evaluate(Tensor z, int rows) {
        String context = "failed while evaluating encode(decode(z)) on a batch of " + rows + " latent vectors of dimension " + latentDim;
        Tensor fz = call(encode, "encode", call(decode, "decode", z, context), context);
        if (fz.dim() != 2 || fz.size(0) != rows || fz.size(1) != latentDim) {
            throw new LatentfieldException("the model " + label + " maps " + rows + " x " + latentDim + " latent vectors to a tensor of shape "
                    + shapeOf(fz) + " through encode(decode(z)); expected " + rows + " x " + latentDim
                    + " (is the latent dimension right?).");
        }
        return fz;
    }

    /**
     * Runs one TorchScript method on a tensor; a LibTorch error becomes one sentence, "the model
     * M {context}: {first line of the error}".
     */
    private Tensor call(Method method, String what, Tensor input, String context) {
        IValue result;
        try {
            result = method.apply(new IValueVector(new IValue(input)));
        } catch (RuntimeException e) {
            throw new LatentfieldException("the model " + label + " " + context + ": " + firstLine(e) + ".", e);
        }
        return tensorOf(result, what);
    }

    private Tensor tensorOf(IValue value, String what) {
        if (value.isTensor()) {
            return value.toTensor();
        }
        if (value.isTuple()) {
            TupleElements items = value.toTuple().elements();
            if (items.size() > 0 && items.get(0).isTensor()) {
                return items.get(0).toTensor();
            }
        }
        throw new LatentfieldException("the model " + label + "'s " + what + " returned a " + value.tagKind().getString()
                + "; expected a tensor (or a tuple whose first element is one).");
    }

    /**
     * Jacobians of f = encode(decode(.)) by reverse-mode autograd in LibTorch. Points go in
     * chunks of c = max(1, 4096 / k); each chunk is repeated row-wise k times (row p*k + i is
     * z_p), f runs once on the c*k rows, and one vector-Jacobian product with output gradient
     * e_i on row p*k + i yields e_i^T J_f(z_p), row i of J_p. Cost: one forward and one
     * backward pass over k copies of every point, the price of k JVPs.
     */
    @Override
    public float[] jacobians(float[] z, int n) {
        if (closed) {
            throw new IllegalStateException("the autoencoder " + label + " is closed");
        }
        int k = latentDim;
        if (z.length < (long) n * k) {
            throw new IllegalArgumentException(z.length + " values hold fewer than " + n + " points of dimension " + k);
        }
        if ((long) n * k * k > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(n + " Jacobians of " + k + " x " + k + " exceed one Java array; split the points");
        }
        int threads = Math.max(workers, intraOpThreads);
        if (torch.get_num_threads() != threads) {
            torch.set_num_threads(threads); // whole calls here: LibTorch's own intra-op threads
        }
        float[] out = new float[n * k * k];
        int chunk = Math.max(1, 4096 / k);
        for (int p0 = 0; p0 < n; p0 += chunk) {
            int b = Math.min(chunk, n - p0);
            try (PointerScope scope = new PointerScope()) {
                Tensor points = torch.from_blob(new FloatPointer(java.util.Arrays.copyOfRange(z, p0 * k, (p0 + b) * k)),
                        new long[] {b, k}, floatOptions()).clone();
                Tensor rep = points.repeat_interleave(k, new org.bytedeco.pytorch.LongOptional(0), new org.bytedeco.pytorch.LongOptional());
                if (device.is_cuda()) {
                    rep = rep.to(device, torch.ScalarType.Float);
                }
                rep = rep.detach();
                rep.set_requires_grad(true);
                Tensor fz = evaluate(rep, b * k);
                Tensor units = torch.eye(k, floatOptions()).repeat(b, 1);
                if (device.is_cuda()) {
                    units = units.to(device, torch.ScalarType.Float);
                }
                Tensor rows;
                try {
                    rows = torch.grad(new org.bytedeco.pytorch.TensorVector(fz), new org.bytedeco.pytorch.TensorVector(rep),
                            new org.bytedeco.pytorch.TensorVector(units), new org.bytedeco.pytorch.BoolOptional(false), false, true).get(0);
                } catch (RuntimeException e) {
                    throw new LatentfieldException("the model " + label + " cannot be differentiated through encode(decode(z)): "
                            + firstLine(e) + ".", e);
                }
                if (rows.isNull() || !rows.defined()) {
                    java.util.Arrays.fill(out, p0 * k * k, (p0 + b) * k * k, 0f); // f does not depend on z
                    continue;
                }
                Tensor host = rows.to(new Device("cpu"), torch.ScalarType.Float).contiguous();
                new FloatPointer(host.data_ptr_float()).capacity((long) b * k * k).get(out, p0 * k * k, b * k * k);
            }
        }
        return out;
    }

    /**
     * Spectral norms ||J_f(z_p)||_2 without materialising J: power iteration on J^T J with
     * products from autograd, J^T u by a vector-Jacobian product and J v by the double-backward
     * trick (the VJP g(u) = J^T u built with a graph, then J v = d(g . v)/du). Points go in
     * chunks of 256 and iterate together from the same start vector as liblf's kernel until
     * every point's ||J v||^2 changed by at most tol times itself, or maxIter steps. Returns
     * the norms; the step count of each chunk goes to {@code steps} (length n) when not null.
     * Measured against the materialised path in benchmarks/RESULTS.md.
     */
    public float[] spectralNormsMatrixFree(float[] z, int n, int maxIter, double tol, int[] steps) {
        int k = latentDim;
        float[] norms = new float[n];
        int chunk = 256;
        double[] start = new double[k];
        double startNorm = 0;
        for (int j = 0; j < k; j++) {
            start[j] = 1.0 + 0.5 * Math.sin(1.7 * j + 0.3);
            startNorm += start[j] * start[j];
        }
        for (int p0 = 0; p0 < n; p0 += chunk) {
            int b = Math.min(chunk, n - p0);
            try (PointerScope scope = new PointerScope()) {
                Tensor zt = torch.from_blob(new FloatPointer(java.util.Arrays.copyOfRange(z, p0 * k, (p0 + b) * k)),
                        new long[] {b, k}, floatOptions()).clone();
                float[] v0 = new float[b * k];
                for (int p = 0; p < b; p++) {
                    for (int j = 0; j < k; j++) {
                        v0[p * k + j] = (float) (start[j] / Math.sqrt(startNorm));
                    }
                }
                Tensor v = torch.from_blob(new FloatPointer(v0), new long[] {b, k}, floatOptions()).clone();
                if (device.is_cuda()) {
                    zt = zt.to(device, torch.ScalarType.Float);
                    v = v.to(device, torch.ScalarType.Float);
                }
                zt.set_requires_grad(true);
                Tensor out = evaluate(zt, b);
                Tensor u = torch.zeros_like(out);
                u.set_requires_grad(true);
                Tensor g = grad(out, zt, u, true).get(0); // J^T u, differentiable in u
                Tensor lambda = null;
                int it = 0;
                while (it < maxIter) {
                    it++;
                    Tensor jv = grad(g, u, v, false).get(0);
                    Tensor next = jv.mul(jv).sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
                    Tensor w = grad(out, zt, jv, false).get(0);
                    boolean done = lambda != null && next.sub(lambda).abs().le(next.mul(new org.bytedeco.pytorch.Scalar(tol))).all().item_bool();
                    lambda = next;
                    if (done) {
                        break;
                    }
                    Tensor wn = w.norm(new org.bytedeco.pytorch.ScalarOptional(new org.bytedeco.pytorch.Scalar(2.0)), new long[] {1}, true)
                            .clamp_min(new org.bytedeco.pytorch.Scalar(1e-30));
                    v = w.div(wn).detach();
                }
                Tensor host = lambda.sqrt().to(new Device("cpu"), torch.ScalarType.Float).contiguous();
                new FloatPointer(host.data_ptr_float()).capacity(b).get(norms, p0, b);
                if (steps != null) {
                    java.util.Arrays.fill(steps, p0, p0 + b, it);
                }
            }
        }
        return norms;
    }

    private org.bytedeco.pytorch.TensorVector grad(Tensor output, Tensor input, Tensor gradOutput, boolean createGraph) {
        try {
            return torch.grad(new org.bytedeco.pytorch.TensorVector(output), new org.bytedeco.pytorch.TensorVector(input),
                    new org.bytedeco.pytorch.TensorVector(gradOutput), new org.bytedeco.pytorch.BoolOptional(true), createGraph, false);
        } catch (RuntimeException e) {
            throw new LatentfieldException("the model " + label + " cannot be differentiated through encode(decode(z)): "
                    + firstLine(e) + ".", e);
        }
    }

    /**
     * Per image at {@code rows}: the reconstruction error mean((D(E(x)) - x)^2) over its pixels,
     * in the same fixed zero-padded batches as {@link #encode}.
     */
    public double[] reconstructionErrors(ImageSet images, int[] rows) {
        int size = images.imageSize();
        double[] errors = new double[rows.length];
        forEachImageBatch(images, rows, (x, first, len, m) -> {
            String context = "cannot reconstruct " + images.name() + " images";
            Tensor y = call(decode, "decode", call(encode, "encode", x, context), context);
            if (y.numel() != (long) m * size) {
                throw new LatentfieldException("the model " + label + " decodes a batch of " + m + " to shape " + shapeOf(y)
                        + "; expected " + m + " images of " + size + " pixels.");
            }
            float[] recon = new float[m * size];
            y.reshape(m, size).to(new Device("cpu"), torch.ScalarType.Float).contiguous().data_ptr_float().get(recon, 0, m * size);
            for (int j = 0; j < len; j++) {
                double e = 0;
                int base = rows[first + j] * size;
                for (int q = 0; q < size; q++) {
                    double d = recon[j * size + q] - images.pixels()[base + q];
                    e += d * d;
                }
                errors[first + j] = e / size;
            }
        });
        return errors;
    }

    /**
     * Decoded images D(z) of the n rows of z (n x k): n x imageSize pixels, row-major, in fixed
     * zero-padded batches like {@link #apply}.
     */
    public float[] decodeImages(float[] z, int n, int imageSize) {
        int m = evalBatch > 0 ? evalBatch : 256;
        float[] images = new float[n * imageSize];
        float[] batch = new float[m * latentDim];
        for (int s = 0; s < n; s += m) {
            int len = Math.min(m, n - s);
            java.util.Arrays.fill(batch, 0);
            System.arraycopy(z, s * latentDim, batch, 0, len * latentDim);
            try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode()) {
                Tensor zt = torch.from_blob(new FloatPointer(batch), new long[] {m, latentDim}, floatOptions());
                Tensor y = call(decode, "decode", device.is_cuda() ? zt.to(device, torch.ScalarType.Float) : zt,
                        "cannot decode " + m + " latent vectors");
                if (y.numel() != (long) m * imageSize) {
                    throw new LatentfieldException("the model " + label + " decodes " + m + " latent vectors to shape " + shapeOf(y)
                            + "; expected " + m + " images of " + imageSize + " pixels.");
                }
                y.reshape(m, imageSize).to(new Device("cpu"), torch.ScalarType.Float).contiguous().data_ptr_float()
                        .get(images, s * imageSize, len * imageSize);
            }
        }
        return images;
    }

    /** Work on one zero-padded batch: x (m images on the model's device), rows first .. first + len of the request. */
    private interface ImageBatch {
        void accept(Tensor x, int first, int len, int m);
    }

    /**
     * Feeds the images at {@code rows} to {@code body} in fixed batches of the micro-batch size
     * (256 with whole calls), the last one zero-padded, under InferenceMode in a PointerScope.
     */
    private void forEachImageBatch(ImageSet images, int[] rows, ImageBatch body) {
        int m = evalBatch > 0 ? evalBatch : 256;
        int size = images.imageSize();
        long[] shape = {m, images.channels(), images.height(), images.width()};
        try (FloatPointer buffer = new FloatPointer((long) m * size)) {
            for (int s = 0; s < rows.length; s += m) {
                int len = Math.min(m, rows.length - s);
                buffer.fill(0);
                for (int j = 0; j < len; j++) {
                    buffer.position((long) j * size).put(images.pixels(), rows[s + j] * size, size);
                }
                buffer.position(0);
                try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode()) {
                    Tensor x = torch.from_blob(buffer, shape, floatOptions());
                    body.accept(device.is_cuda() ? x.to(device, torch.ScalarType.Float) : x, s, len, m);
                }
            }
        }
    }

    /**
     * Latent codes E(x) of the images at {@code rows} (n x k, row-major), encoded in fixed
     * zero-padded batches like {@link #apply}.
     *
     * @throws LatentfieldException when the images do not fit the model's encoder
     */
    public float[] encode(ImageSet images, int[] rows) {
        float[] codes = new float[rows.length * latentDim];
        forEachImageBatch(images, rows, (x, first, len, m) -> {
            Tensor z = call(encode, "encode", x, "cannot encode " + images.name() + " images of shape " + images.channels() + " x "
                    + images.height() + " x " + images.width());
            if (z.dim() != 2 || z.size(0) != m || z.size(1) != latentDim) {
                throw new LatentfieldException("the model " + label + " encodes " + images.name() + " images to shape " + shapeOf(z)
                        + "; expected " + m + " x " + latentDim + ".");
            }
            Tensor host = z.to(new Device("cpu"), torch.ScalarType.Float).contiguous();
            host.data_ptr_float().get(codes, first * latentDim, len * latentDim);
        });
        return codes;
    }

    private void probe() {
        try (NativeMatrix in = new NativeMatrix(2, latentDim); NativeMatrix out = new NativeMatrix(2, latentDim)) {
            in.data().fill(0);
            apply(in, out, 2);
        }
    }

    private static TensorOptions floatOptions() {
        return new TensorOptions().dtype(new org.bytedeco.pytorch.ScalarTypeOptional(torch.ScalarType.Float));
    }

    private static Device resolveDevice(String name) {
        boolean cuda = torch.cuda_is_available();
        switch (name) {
            case "cpu":
                return new Device("cpu");
            case "cuda":
                if (!cuda) {
                    throw new LatentfieldException("--device cuda was requested but LibTorch sees no CUDA device; use --device cpu or auto"
                            + " (GPU runs need a machine with an NVIDIA GPU and a build with the Maven profile gpu).");
                }
                return new Device("cuda");
            default:
                return new Device(cuda ? "cuda" : "cpu");
        }
    }

    private static JitModule load(Path path, Device device) {
        if (!Files.exists(path)) {
            throw new LatentfieldException("model file " + path + " does not exist; expected a TorchScript archive (.pt).");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new LatentfieldException("model file " + path + " is not a readable file; expected a TorchScript archive (.pt).");
        }
        byte[] magic = new byte[4];
        try (InputStream s = Files.newInputStream(path)) {
            int n = s.readNBytes(magic, 0, 4);
            if (n < 4 || magic[0] != 'P' || magic[1] != 'K' || magic[2] != 3 || magic[3] != 4) {
                throw new LatentfieldException("model file " + path + " is not a TorchScript archive; expected the zip file written by"
                        + " torch.jit.save (a state_dict or pickled model will not do: export with torch.jit.script).");
            }
        } catch (IOException e) {
            throw new LatentfieldException("model file " + path + " cannot be read: " + e.getMessage() + ".", e);
        }
        try (DeviceOptional where = new DeviceOptional(device)) {
            JitModule module = torch.load(path.toString(), where, false);
            module.eval();
            return module;
        } catch (RuntimeException e) {
            throw new LatentfieldException("model file " + path + " could not be loaded as a TorchScript archive: " + firstLine(e) + ".", e);
        }
    }

    private static Method method(JitModule module, String name, Path path, String role) {
        try (PointerScope scope = new PointerScope()) {
            if (!module.find_method(name).has_value()) {
                String expected = role.equals("an autoencoder")
                        ? "methods encode(x) and decode(z) (mark them @torch.jit.export before torch.jit.script), or pass"
                          + " an encoder/decoder pair"
                        : "a forward method";
                throw new LatentfieldException("model file " + path + " has no method '" + name + "'; as " + role + " it must have "
                        + expected + ".");
            }
        }
        return module.get_method(name);
    }

    private record LatentDim(int value, String source) {}

    private static LatentDim latentDim(JitModule module, ModelSource source) {
        OptionalInt fromModule = OptionalInt.empty();
        if (module.hasattr("latent_dim")) {
            try (PointerScope scope = new PointerScope()) {
                IValue v = module.attr("latent_dim");
                if (v.isInt()) {
                    fromModule = OptionalInt.of((int) v.toInt());
                }
            }
        }
        Path card = cardOf(source.model());
        OptionalInt fromCard = readCard(card);
        OptionalInt given = source.latentDim();
        String what = "model file " + source.model();
        if (fromModule.isPresent()) {
            check(given, fromModule.getAsInt(), what + " declares latent_dim = " + fromModule.getAsInt());
            return new LatentDim(fromModule.getAsInt(), "module attribute latent_dim");
        }
        if (fromCard.isPresent()) {
            check(given, fromCard.getAsInt(), "model card " + card + " says latent_dim = " + fromCard.getAsInt());
            return new LatentDim(fromCard.getAsInt(), "model card " + card);
        }
        if (given.isPresent()) {
            return new LatentDim(given.getAsInt(), "--latent-dim");
        }
        throw new LatentfieldException("cannot tell the latent dimension of " + what + ": give --latent-dim K, an integer attribute"
                + " latent_dim on the module, or a model card " + card.getFileName() + " with \"latent_dim\" next to it.");
    }

    private static void check(OptionalInt given, int actual, String claim) {
        if (given.isPresent() && given.getAsInt() != actual) {
            throw new LatentfieldException("--latent-dim " + given.getAsInt() + " does not match the model: " + claim + ".");
        }
    }

    /** The model card of {@code model.pt} is {@code model.json} in the same directory. */
    public static Path cardOf(Path model) {
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return model.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".json");
    }

    private static OptionalInt readCard(Path card) {
        if (!Files.isRegularFile(card)) {
            return OptionalInt.empty();
        }
        try {
            JsonNode node = JSON.readTree(card.toFile()).get("latent_dim");
            if (node == null) {
                return OptionalInt.empty();
            }
            if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 1) {
                throw new LatentfieldException("model card " + card + " has latent_dim = " + node + "; expected a positive integer.");
            }
            return OptionalInt.of(node.asInt());
        } catch (IOException e) {
            throw new LatentfieldException("model card " + card + " is not valid JSON: " + e.getMessage() + ".", e);
        }
    }

    private static String shapeOf(Tensor t) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < t.dim(); i++) {
            b.append(i == 0 ? "" : " x ").append(t.size(i));
        }
        return t.dim() == 0 ? "[] (a scalar)" : b.toString();
    }

    /** First line of a LibTorch error, without the C++ stack trace LibTorch appends. */
    static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        for (String line : m.split("\n")) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("Exception raised from") && !s.startsWith("frame #")) {
                s = s.replaceAll("\\s+", " ");
                if (s.endsWith(".")) {
                    s = s.substring(0, s.length() - 1);
                }
                return s.length() > 300 ? s.substring(0, 300) + "..." : s;
            }
        }
        return e.getClass().getSimpleName();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            encode.close();
            decode.close();
            modules.forEach(JitModule::close);
            device.close();
            if (pool != null) {
                pool.shutdownNow();
            }
            if (padIn != null) {
                padIn.close();
                padOut.close();
            }
        }
    }

    /** The TorchScript method that encodes (the encoder's forward for a pair), for {@link MlpExtraction}'s graph reader. */
    Method encodeMethod() {
        return encode;
    }

    /** The TorchScript method that decodes (the decoder's forward for a pair), for {@link MlpExtraction}'s graph reader. */
    Method decodeMethod() {
        return decode;
    }
}
