package org.latentfield.map.torch;

import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Method;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TupleElements;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.NativeLibraries;

/**
 * The loaded TorchScript modules of an autoencoder and its two methods, called on tensors:
 * {@code decode} and {@code encode} of one archive, or {@code forward} of an encoder and of a
 * decoder archive. Inputs are moved to the model's device and cast to its dtype before the call;
 * outputs are returned as the model made them. A LibTorch error becomes one sentence that keeps
 * PyTorch's own cause ({@link TorchErrors}). Owns the modules.
 */
final class TorchModules implements AutoCloseable {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private final List<JitModule> modules;
    private final Method encode;
    private final Method decode;
    private final Device device;
    private final torch.ScalarType dtype;
    private final String label;
    private boolean closed;

    TorchModules(List<JitModule> modules, Method encode, Method decode, Device device, torch.ScalarType dtype, String label) {
        this.modules = List.copyOf(modules);
        this.encode = encode;
        this.decode = decode;
        this.device = device;
        this.dtype = dtype;
        this.label = label;
    }

    List<JitModule> modules() {
        return modules;
    }

    Method encodeMethod() {
        return encode;
    }

    Method decodeMethod() {
        return decode;
    }

    Device device() {
        return device;
    }

    torch.ScalarType dtype() {
        return dtype;
    }

    /** The model's file, for messages. */
    String label() {
        return label;
    }

    /** decode(z) for a batch z shaped (N, *latent shape); {@code context} says what latentfield was doing. */
    Tensor decode(Tensor z, String context) {
        return call(decode, "decode", z, context);
    }

    /** encode(x) for a batch x shaped (N, *input shape); a tuple's first element (a VAE's mean). */
    Tensor encode(Tensor x, String context) {
        return call(encode, "encode", x, context);
    }

    /** What encode returned on a probe: the latent, and the size of the tuple it came in (0 for a bare tensor). */
    record Encoded(Tensor latent, int tupleSize) {}

    /** {@link #encode}, also telling whether encode returns a tuple (then its first element is the latent). */
    Encoded encodeProbe(Tensor x, String context) {
        IValue v = invoke(encode, prepare(x), "encode", context);
        return new Encoded(tensorOf(v, "encode"), v.isTuple() ? (int) v.toTuple().elements().size() : 0);
    }

    private Tensor prepare(Tensor t) {
        boolean move = device.is_cuda() != t.is_cuda();
        boolean cast = t.scalar_type().intern() != dtype;
        if (move) {
            return t.to(device, dtype);
        }
        return cast ? t.to(dtype) : t;
    }

    private Tensor call(Method method, String what, Tensor input, String context) {
        return tensorOf(invoke(method, prepare(input), what, context), what);
    }

    private IValue invoke(Method method, Tensor input, String what, String context) {
        if (closed) {
            throw new IllegalStateException("the autoencoder " + label + " is closed");
        }
        try {
            return method.apply(new IValueVector(new IValue(input)));
        } catch (RuntimeException e) {
            throw new LatentfieldException("the model " + label + "'s " + what + " failed " + context + " (input " + TorchShapes.describe(input)
                    + "): " + TorchErrors.cause(e) + ".", e);
        }
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

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            encode.close();
            decode.close();
            modules.forEach(JitModule::close);
            device.close();
        }
    }
}
