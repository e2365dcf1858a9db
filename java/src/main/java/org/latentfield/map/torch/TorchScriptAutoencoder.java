package org.latentfield.map.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.LatentfieldException;
import org.latentfield.data.ImageSet;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.kernels.NativeNet;
import org.latentfield.map.DifferentiableMap;
import org.latentfield.map.Float64Map;
import org.latentfield.map.ModelContract;
import org.latentfield.map.ModelSource;

/**
 * A TorchScript autoencoder run in LibTorch: f(z) = encode(decode(z)), evaluated in batches.
 * {@link TorchModelLoader} opens it and establishes its {@link ModelContract} (shapes, dtype,
 * mode, determinism); this class evaluates: latent rows of k = prod(latent shape) float32 values
 * are viewed as (N, *latent shape) for {@code decode}, what {@code encode} returns is checked
 * against the latent shape and flattened back, data items are viewed as (N, *input shape), and
 * the model computes in its own dtype (casts at the boundary). A float64 model is iterated in
 * float64 ({@link #apply64}). Differentiation is in {@link TorchJacobians}.
 *
 * <p>Evaluation runs under {@code InferenceMode}; every temporary of a call lives in a
 * {@link PointerScope} closed before it returns, and inputs and outputs are wrapped, not
 * copied, from the caller's native buffers ({@code from_blob}), so memory stays flat over
 * millions of calls. Only this package touches {@code org.bytedeco.pytorch}.
 */
public final class TorchScriptAutoencoder implements DifferentiableMap, Float64Map {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private final TorchModules calls;
    private final ModelContract contract;
    private final int latentDim;
    private final int evalBatch;
    private final NativeMatrix padIn;
    private final NativeMatrix padOut;
    private final int workers;
    private final int intraOpThreads;
    private final ExecutorService pool;
    private final TorchJacobians differentiation;
    private NetJacobians netJacobians; // decided on the first Jacobian
    private DoublePointer scratch64; // apply64's zero-padded micro-batch, kept across steps
    private boolean closed;

    TorchScriptAutoencoder(TorchModules calls, ModelContract contract, int evalBatch, int cores) {
        this.calls = calls;
        this.contract = contract;
        this.latentDim = contract.latentDim();
        this.evalBatch = evalBatch;
        this.padIn = evalBatch > 0 ? new NativeMatrix(evalBatch, latentDim) : null;
        this.padOut = evalBatch > 0 ? new NativeMatrix(evalBatch, latentDim) : null;
        boolean parallelMicroBatches = evalBatch > 0 && !calls.device().is_cuda();
        this.workers = parallelMicroBatches ? cores : 1;
        this.intraOpThreads = parallelMicroBatches ? 1 : cores;
        this.pool = workers > 1 ? Executors.newFixedThreadPool(workers - 1, r -> {
            Thread t = new Thread(r, "latentfield-map");
            t.setDaemon(true);
            return t;
        }) : null;
        this.differentiation = new TorchJacobians(this, calls.device());
    }

    /**
     * Loads, checks and opens an autoencoder ({@link TorchModelLoader#open}).
     *
     * @throws LatentfieldException with one sentence naming the file, what was expected and PyTorch's cause
     */
    public static TorchScriptAutoencoder open(ModelSource source) {
        return TorchModelLoader.open(source);
    }

    /** The model card of {@code model.pt}: {@code model.json} in the same directory. */
    public static java.nio.file.Path cardOf(java.nio.file.Path model) {
        return ShapeDeclarations.cardOf(model);
    }

    /** The model's methods, for the checks of this package. */
    TorchModules calls() {
        return calls;
    }

    /** What the model is: shapes, dtype, mode, determinism, and where each fact came from. */
    public ModelContract contract() {
        return contract;
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

    @Override
    public String device() {
        return contract.device();
    }

    /** Number of parameters (scalars) over all modules. */
    public long parameterCount() {
        return contract.parameters();
    }

    /** A short name of the model for messages. */
    String label() {
        return calls.label();
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
        checkOpen();
        Cancellation.check();
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
                throw new IllegalStateException("interrupted while evaluating " + label(), e);
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
            Tensor result = evaluate(z, rows);
            torch.from_blob(out.getPointer(offset), shape, floatOptions()).copy_(result);
        }
    }

    /**
     * f on a float32 batch z of {@code rows} x k (on any device): z is viewed as
     * (rows, *latent shape), decoded and encoded in the model's dtype, and the result returned as
     * float32 rows x k (differentiable when z requires grad).
     */
    Tensor evaluate(Tensor z, int rows) {
        return evaluateAs(z, rows, torch.ScalarType.Float);
    }

    /** {@link #evaluate} with the result in {@code type}. */
    private Tensor evaluateAs(Tensor z, int rows, torch.ScalarType type) {
        String context = "while evaluating encode(decode(z)) on a batch of " + rows + " latents of " + contract.latent();
        Tensor fz = calls.encode(calls.decode(z.reshape(contract.latent().batched(rows)), context), context);
        if (!TorchShapes.isBatchOf(fz, rows, contract.latent())) {
            throw new LatentfieldException("the model " + label() + " maps " + rows + " x " + contract.latent() + " latents to a tensor of shape "
                    + TorchShapes.sizes(fz) + " through encode(decode(z)); expected " + rows + " x " + contract.latent() + ".");
        }
        return fz.reshape(rows, latentDim).to(type);
    }

    @Override
    public boolean iteratesInFloat64() {
        return contract.iterationDtype().equals("float64");
    }

    /**
     * f in float64 for the first {@code rows} rows of {@code in} (rows x k): the rows go to the
     * model as float64, in the same fixed zero-padded micro-batches as {@link #apply} (one at a
     * time, LibTorch using all the map's cores), and come back as float64.
     */
    @Override
    public void apply64(double[] in, double[] out, int rows) {
        checkOpen();
        int threads = Math.max(workers, intraOpThreads);
        if (torch.get_num_threads() != threads) {
            torch.set_num_threads(threads);
        }
        int m = evalBatch > 0 ? evalBatch : Math.max(rows, 1);
        if (scratch64 == null || scratch64.capacity() < (long) m * latentDim) {
            if (scratch64 != null) {
                scratch64.close();
            }
            scratch64 = new DoublePointer((long) m * latentDim);
        }
        DoublePointer buffer = scratch64;
        try (TensorOptions doubles = new TensorOptions().dtype(new org.bytedeco.pytorch.ScalarTypeOptional(torch.ScalarType.Double))) {
            for (int s = 0; s < rows; s += m) {
                Cancellation.check();
                int len = Math.min(m, rows - s);
                buffer.position(0).fill(0);
                buffer.put(in, s * latentDim, len * latentDim);
                try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode()) {
                    Tensor z = torch.from_blob(buffer, new long[] {m, latentDim}, doubles);
                    Tensor fz = evaluateAs(z, m, torch.ScalarType.Double).to(new Device("cpu"), torch.ScalarType.Double).contiguous();
                    new DoublePointer(fz.data_ptr_double()).capacity((long) m * latentDim).get(out, s * latentDim, len * latentDim);
                }
            }
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
            String context = "while reconstructing " + images.name() + " items";
            Tensor y = calls.decode(calls.encode(x, context).reshape(contract.latent().batched(m)), context);
            if (y.numel() != (long) m * size) {
                throw new LatentfieldException("the model " + label() + " decodes a batch of " + m + " to shape " + TorchShapes.sizes(y)
                        + "; expected " + m + " items of " + size + " values, like its inputs.");
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
        checkOpen();
        int m = evalBatch > 0 ? evalBatch : 256;
        float[] images = new float[n * imageSize];
        float[] batch = new float[m * latentDim];
        for (int s = 0; s < n; s += m) {
            Cancellation.check();
            int len = Math.min(m, n - s);
            java.util.Arrays.fill(batch, 0);
            System.arraycopy(z, s * latentDim, batch, 0, len * latentDim);
            try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode()) {
                Tensor zt = torch.from_blob(new FloatPointer(batch), contract.latent().batched(m), floatOptions());
                Tensor y = calls.decode(zt, "while decoding " + m + " latents of " + contract.latent());
                if (y.numel() != (long) m * imageSize) {
                    throw new LatentfieldException("the model " + label() + " decodes " + m + " latents to shape " + TorchShapes.sizes(y)
                            + "; expected " + m + " items of " + imageSize + " values.");
                }
                y.reshape(m, imageSize).to(new Device("cpu"), torch.ScalarType.Float).contiguous().data_ptr_float()
                        .get(images, s * imageSize, len * imageSize);
            }
        }
        return images;
    }

    /** Work on one zero-padded batch: x (m items, float32 on the host), rows first .. first + len of the request. */
    private interface ImageBatch {
        void accept(Tensor x, int first, int len, int m);
    }

    /**
     * Feeds the images at {@code rows} to {@code body} in fixed batches of the micro-batch size
     * (256 with whole calls), the last one zero-padded, under InferenceMode in a PointerScope.
     */
    private void forEachImageBatch(ImageSet images, int[] rows, ImageBatch body) {
        checkOpen();
        contract.checkData(images);
        int m = evalBatch > 0 ? evalBatch : 256;
        int size = images.imageSize();
        long[] shape = contract.input().batched(m);
        try (FloatPointer buffer = new FloatPointer((long) m * size)) {
            for (int s = 0; s < rows.length; s += m) {
                Cancellation.check();
                int len = Math.min(m, rows.length - s);
                buffer.fill(0);
                for (int j = 0; j < len; j++) {
                    buffer.position((long) j * size).put(images.pixels(), rows[s + j] * size, size);
                }
                buffer.position(0);
                try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode()) {
                    body.accept(torch.from_blob(buffer, shape, floatOptions()), s, len, m);
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
            Tensor z = calls.encode(x, "while encoding " + images.name() + " items as " + contract.input());
            if (!TorchShapes.isBatchOf(z, m, contract.latent())) {
                throw new LatentfieldException("the model " + label() + " encodes " + images.name() + " items to shape " + TorchShapes.sizes(z)
                        + "; expected " + m + " x " + contract.latent() + ".");
            }
            Tensor host = z.reshape(m, latentDim).to(new Device("cpu"), torch.ScalarType.Float).contiguous();
            host.data_ptr_float().get(codes, first * latentDim, len * latentDim);
        });
        return codes;
    }

    @Override
    public float[] jacobians(float[] z, int n) {
        checkOpen();
        NativeNet net = jacobianEngine().net();
        return net != null ? net.jacobians(z, n) : differentiation.jacobians(z, n);
    }

    /** Who computes {@link #jacobians}: LibTorch autograd or liblf's network engine ({@link NetJacobians}), decided on first use. */
    public String jacobianSource() {
        checkOpen();
        return jacobianEngine().source();
    }

    /** Who computed this map's Jacobians, once any were computed (for summaries): {@link #jacobianSource}, or empty. */
    public synchronized java.util.Optional<String> jacobiansBy() {
        return netJacobians == null ? java.util.Optional.empty() : java.util.Optional.of(netJacobians.source());
    }

    private synchronized NetJacobians jacobianEngine() {
        if (netJacobians == null) {
            netJacobians = NetJacobians.decide(this, differentiation);
        }
        return netJacobians;
    }

    /**
     * Spectral norms ||J_f(z_p)||_2 without materialising J ({@link TorchJacobians}); the step
     * count of each chunk goes to {@code steps} (length n) when not null.
     */
    public float[] spectralNormsMatrixFree(float[] z, int n, int maxIter, double tol, int[] steps) {
        checkOpen();
        return differentiation.spectralNormsMatrixFree(z, n, maxIter, tol, steps);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the autoencoder " + label() + " is closed");
        }
    }

    private static TensorOptions floatOptions() {
        return new TensorOptions().dtype(new org.bytedeco.pytorch.ScalarTypeOptional(torch.ScalarType.Float));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            calls.close();
            if (pool != null) {
                pool.shutdownNow();
            }
            if (padIn != null) {
                padIn.close();
                padOut.close();
            }
            if (scratch64 != null) {
                scratch64.close();
            }
            synchronized (this) {
                if (netJacobians != null) {
                    netJacobians.close();
                }
            }
        }
    }

    /** The TorchScript method that encodes (the encoder's forward for a pair), for {@link MlpExtraction}'s graph reader. */
    org.bytedeco.pytorch.Method encodeMethod() {
        return calls.encodeMethod();
    }

    /** The TorchScript method that decodes (the decoder's forward for a pair), for {@link MlpExtraction}'s graph reader. */
    org.bytedeco.pytorch.Method decodeMethod() {
        return calls.decodeMethod();
    }
}
