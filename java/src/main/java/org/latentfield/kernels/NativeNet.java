package org.latentfield.kernels;

import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * liblf's network engine (lf_net_* in lf.h, issue 13): f = E(D(.)) as one chain of layers on
 * rows in C order, decoder first. An item C x H x W is a row of C*H*W values, so flatten and
 * reshape between layers cost nothing; each layer takes the size the one before gives, the
 * first takes k values and the last gives k. Layers:
 * <ul>
 * <li>{@link Linear}: y = x W^T + b, W out x in (PyTorch's layout);</li>
 * <li>{@link Conv}: conv2d (weight out x in x kh x kw) or conv_transpose2d (weight in x out x kh
 * x kw), stride, padding and output padding as in PyTorch, dilation 1, groups 1;</li>
 * <li>{@link Act}: an elementwise activation on rows of {@code size} values;</li>
 * <li>{@link Pad}: constant padding of C x H x W items (negative amounts crop), as
 * {@code torch.constant_pad_nd} and slicing.</li>
 * </ul>
 * Jacobians are forward mode (k tangents through every layer). On the CPU, or on CUDA through the
 * twin (lf_net_*_cuda; the weights go to the device on the first call). Owns a native
 * plan: close it (safe twice).
 */
public final class NativeNet extends NativePlan<LfNative.Net> {
    /** Activations, in lf_activation order (GELU exact; LeakyReLU takes {@link Act#alpha}). */
    public enum Activation { IDENTITY, RELU, TANH, SIGMOID, GELU, LEAKY_RELU, SILU }

    /** One layer of the chain. */
    public sealed interface Layer permits Linear, Conv, Act, Pad {}

    /** y = x W^T + b; {@code bias} of length out or null. */
    public record Linear(int in, int out, float[] weight, float[] bias) implements Layer {
        public Linear {
            if (in < 1 || out < 1 || weight.length != (long) in * out || (bias != null && bias.length != out)) {
                throw new IllegalArgumentException("linear " + in + " -> " + out + " with " + weight.length + " weights");
            }
        }
    }

    /**
     * conv2d ({@code transposed} false) or conv_transpose2d of items {@code inChannels} x
     * {@code height} x {@code width}; {@code bias} of length outChannels or null.
     */
    public record Conv(int inChannels, int height, int width, int outChannels, int kernelH, int kernelW, int strideH, int strideW,
                       int padH, int padW, int outputPadH, int outputPadW, boolean transposed, float[] weight, float[] bias)
            implements Layer {
        public Conv {
            if (weight.length != (long) inChannels * outChannels * kernelH * kernelW || (bias != null && bias.length != outChannels)) {
                throw new IllegalArgumentException("convolution " + inChannels + " -> " + outChannels + " with kernel " + kernelH + " x "
                        + kernelW + " given " + weight.length + " weights");
            }
        }
    }

    /** An elementwise activation on rows of {@code size} values. */
    public record Act(int size, Activation activation, float alpha) implements Layer {}

    /** Items channels x height x width padded by top, bottom, left, right (negative crops) with {@code value}. */
    public record Pad(int channels, int height, int width, int top, int bottom, int left, int right, float value) implements Layer {}

    private NativeNet(LfNative.Net plan, int latentDim, Device device) {
        super(plan, device, latentDim, "network");
    }

    /** A CPU plan ({@link #create(List, Device)}). */
    public static NativeNet create(List<Layer> layers) {
        return create(layers, Device.CPU);
    }

    /**
     * Builds a plan (weights copied) that runs on {@code device}.
     *
     * @throws NativeKernelException naming the layer whose sizes do not chain, or another bad layer
     */
    public static NativeNet create(List<Layer> layers, Device device) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer");
        }
        NativeKernels.openBlasOnce();
        try (PointerScope scope = new PointerScope()) {
            LfNative.NetLayer array = new LfNative.NetLayer(layers.size());
            for (int i = 0; i < layers.size(); i++) {
                describe(array.position(i), layers.get(i));
            }
            array.position(0);
            PointerPointer<LfNative.Net> out = new PointerPointer<>(1);
            NativeKernels.check(LfNative.lf_net_create(array, layers.size(), out));
            return new NativeNet(new LfNative.Net(out.get(0)), inputSize(layers.get(0)), device);
        }
    }

    private static void describe(LfNative.NetLayer n, Layer layer) {
        if (layer instanceof Linear l) {
            n.op(0).inputs(l.in()).outputs(l.out()).weight(new FloatPointer(l.weight())).bias(l.bias() == null ? null : new FloatPointer(l.bias()));
        } else if (layer instanceof Conv c) {
            n.op(1).convInChannels(c.inChannels()).convInHeight(c.height()).convInWidth(c.width()).convOutChannels(c.outChannels())
                    .convKernelH(c.kernelH()).convKernelW(c.kernelW()).convStrideH(c.strideH()).convStrideW(c.strideW()).convPadH(c.padH())
                    .convPadW(c.padW()).convOutputPadH(c.outputPadH()).convOutputPadW(c.outputPadW()).convTransposed(c.transposed() ? 1 : 0)
                    .weight(new FloatPointer(c.weight())).bias(c.bias() == null ? null : new FloatPointer(c.bias()));
        } else if (layer instanceof Act a) {
            n.op(2).inputs(a.size()).activation(a.activation().ordinal()).alpha(a.alpha());
        } else if (layer instanceof Pad p) {
            n.op(3).convInChannels(p.channels()).convInHeight(p.height()).convInWidth(p.width()).pad_top(p.top()).pad_bottom(p.bottom())
                    .pad_left(p.left()).pad_right(p.right()).pad_value(p.value());
        }
    }

    private static int inputSize(Layer layer) {
        if (layer instanceof Linear l) {
            return l.in();
        } else if (layer instanceof Conv c) {
            return c.inChannels() * c.height() * c.width();
        } else if (layer instanceof Act a) {
            return a.size();
        }
        Pad p = (Pad) layer;
        return p.channels() * p.height() * p.width();
    }

    @Override
    int applyCpu(LfNative.Net p, long rows, FloatPointer in, FloatPointer out) {
        return LfNative.lf_net_apply_cpu(p, rows, in, out);
    }

    @Override
    int applyCuda(LfNative.Net p, long rows, FloatPointer in, FloatPointer out, Pointer stream) {
        return LfNative.lf_net_apply_cuda(p, rows, in, out, stream);
    }

    @Override
    int jacobiansCpu(LfNative.Net p, long rows, FloatPointer z, FloatPointer jacobians) {
        return LfNative.lf_net_jacobians_cpu(p, rows, z, jacobians);
    }

    @Override
    int jacobiansCuda(LfNative.Net p, long rows, FloatPointer z, FloatPointer jacobians, Pointer stream) {
        return LfNative.lf_net_jacobians_cuda(p, rows, z, jacobians, stream);
    }

    @Override
    int loopCpu(LfNative.Net p, long n, FloatPointer z0, LfNative.StopRule rule, long batch, FloatPointer endpoints, IntPointer iterations,
                FloatPointer stepSq, BytePointer states, FloatPointer traj, int recordEvery, int slots) {
        return LfNative.lf_net_fixed_points_cpu(p, n, z0, rule, batch, endpoints, iterations, stepSq, states, traj, recordEvery, slots);
    }

    @Override
    int loopCuda(LfNative.Net p, long n, FloatPointer z0, LfNative.StopRule rule, long batch, FloatPointer endpoints, IntPointer iterations,
                 FloatPointer stepSq, BytePointer states, FloatPointer traj, int recordEvery, int slots, Pointer stream) {
        return LfNative.lf_net_fixed_points_cuda(p, n, z0, rule, batch, endpoints, iterations, stepSq, states, traj, recordEvery, slots,
                stream);
    }

    @Override
    int destroy(LfNative.Net p) {
        return LfNative.lf_net_destroy(p);
    }
}
