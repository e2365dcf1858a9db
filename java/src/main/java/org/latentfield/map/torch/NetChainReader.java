package org.latentfield.map.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.Method;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.kernels.NativeNet;
import org.latentfield.map.Shape;

/**
 * Reads f = encode(decode(.)) from the inlined, optimised TorchScript graphs of decode and
 * encode as one chain of {@link NativeNet} layers, decoder first, by structure alone (issue 13).
 *
 * <p>Admitted on the path from each method's input ({@link GraphChain}), in execution order,
 * with the shape of one sample tracked through both methods ({@link RowShape}):
 * {@code aten::linear}, {@code addmm} (alpha = beta = 1), {@code mm}/{@code matmul} and a
 * constant bias {@code add} on flat samples, as {@link LinearStackReader} reads them;
 * {@code aten::conv2d}, {@code conv_transpose2d} and {@code _convolution} with dilation 1 and
 * groups 1 on C x H x W samples, weights and biases from parameters or constants, stride,
 * padding and output padding constant integer lists; {@code aten::relu}, {@code tanh},
 * {@code sigmoid}, exact {@code gelu}, {@code leaky_relu} and {@code silu} on any sample;
 * {@code aten::constant_pad_nd} of the last two dimensions and {@code aten::slice} of the height
 * or width with step 1 (a crop; a slice that keeps the batch or the channels whole is the
 * identity); dropout in eval mode; and the shape-only ops of {@link RowShape}. Anything else is
 * refused with one clause naming the method and the op.
 */
final class NetChainReader {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private final List<NativeNet.Layer> layers = new ArrayList<>();
    private final RowShape row;
    /** Whether the last layer is a Linear layer a bias may still be added to (only shape ops since). */
    private boolean open;

    private NetChainReader(Shape latent) {
        int[] dims = latent.dims();
        long[] d = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            d[i] = dims[i];
        }
        this.row = new RowShape(d);
    }

    /** The layers of f, decoder first; throws {@link GraphRefusal} with the reason when the graphs do not qualify. */
    static List<NativeNet.Layer> read(Method decode, String decodeName, Method encode, String encodeName, Shape latent) {
        NetChainReader reader = new NetChainReader(latent);
        reader.method(decode, decodeName);
        reader.method(encode, encodeName);
        if (reader.row.width() != latent.size()) {
            throw new GraphRefusal(encodeName + " returns samples of shape " + reader.row + ", not latents of " + latent);
        }
        if (reader.layers.isEmpty()) {
            throw new GraphRefusal("encode(decode(z)) has no layer the network engine runs");
        }
        return List.copyOf(reader.layers);
    }

    private void method(Method m, String name) {
        Graph graph = torch.toGraphFunction(m.function()).optimized_graph();
        GraphValues values = new GraphValues(graph, m.owner(), name);
        GraphChain chain = GraphChain.of(graph, name, GraphChain.NET_OPS);
        for (JitNode op : chain.ops()) {
            String kind = GraphValues.kindOf(op);
            switch (kind) {
                case "aten::linear", "aten::addmm", "aten::mm", "aten::matmul", "aten::add" -> linear(op, kind, values, chain);
                case "aten::conv2d", "aten::conv_transpose2d", "aten::_convolution" -> convolution(op, kind, values);
                case "aten::relu", "aten::tanh", "aten::sigmoid", "aten::gelu", "aten::leaky_relu", "aten::silu" -> activation(op, kind, values);
                case "aten::constant_pad_nd" -> pad(op, kind, values);
                case "aten::slice" -> slice(op, kind, values);
                case "aten::dropout", "aten::feature_dropout", "aten::alpha_dropout", "aten::feature_alpha_dropout" -> {
                    if (values.bool(op.input(2), kind)) {
                        throw new GraphRefusal(name + " runs " + kind + " in training mode");
                    }
                }
                default -> row.apply(op, kind, values, chain);
            }
        }
    }

    private void linear(JitNode op, String kind, GraphValues values, GraphChain chain) {
        String name = values.method();
        if (!row.flat()) {
            throw new GraphRefusal(name + " applies " + kind + " to samples of shape " + row + "; the network engine runs it on flat vectors only");
        }
        if (kind.equals("aten::add")) {
            if (!open || op.inputs().size() < 3 || values.number(op.input(2), kind) != 1) {
                throw new GraphRefusal(name + " adds a value to something other than a Linear layer's output (aten::add)");
            }
            NativeNet.Linear last = (NativeNet.Linear) layers.remove(layers.size() - 1);
            float[] b = values.bias(op.input(chain.onPath(op.input(0)) ? 1 : 0), last.out(), kind);
            layers.add(new NativeNet.Linear(last.in(), last.out(), last.weight(), last.bias() == null ? b : LinearStackReader.sum(last.bias(), b)));
            return;
        }
        LinearStackReader.Affine a = LinearStackReader.affine(op, kind, values, row.width());
        GraphValues.Matrix weight = a.weight();
        layers.add(new NativeNet.Linear(weight.cols(), weight.rows(), weight.values(), a.bias()));
        row.vector(weight.rows());
        open = true;
    }

    private void convolution(JitNode op, String kind, GraphValues values) {
        String name = values.method();
        long[] dims = row.dims();
        if (dims.length != 3) {
            throw new GraphRefusal(name + " applies " + kind + " to samples of shape " + row + "; the network engine runs it on C x H x W images");
        }
        boolean transposed;
        long[] stride;
        long[] padding;
        long[] outputPadding = {0, 0};
        long[] dilation;
        long groups;
        switch (kind) {
            case "aten::conv2d" -> {
                transposed = false;
                stride = values.ints(op.input(3), kind);
                padding = values.ints(op.input(4), kind);
                dilation = values.ints(op.input(5), kind);
                groups = values.integer(op.input(6), kind);
            }
            case "aten::conv_transpose2d" -> {
                transposed = true;
                stride = values.ints(op.input(3), kind);
                padding = values.ints(op.input(4), kind);
                outputPadding = values.ints(op.input(5), kind);
                groups = values.integer(op.input(6), kind);
                dilation = values.ints(op.input(7), kind);
            }
            default -> { // aten::_convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, ...)
                stride = values.ints(op.input(3), kind);
                padding = values.ints(op.input(4), kind);
                dilation = values.ints(op.input(5), kind);
                transposed = values.bool(op.input(6), kind);
                outputPadding = values.ints(op.input(7), kind);
                groups = values.integer(op.input(8), kind);
            }
        }
        stride = pair(stride, name, kind, "stride");
        padding = pair(padding, name, kind, "padding");
        outputPadding = pair(outputPadding, name, kind, "output padding");
        dilation = pair(dilation, name, kind, "dilation");
        if (groups != 1 || dilation[0] != 1 || dilation[1] != 1) {
            throw new GraphRefusal(name + " uses " + kind + " with groups " + groups + " and dilation " + Arrays.toString(dilation)
                    + "; the network engine runs groups 1 and dilation 1");
        }
        GraphValues.Weight w = values.weight(op.input(1), kind, 4);
        long in = transposed ? w.shape()[0] : w.shape()[1];
        long out = transposed ? w.shape()[1] : w.shape()[0];
        if (in != dims[0]) {
            throw new GraphRefusal(name + " applies " + kind + " with " + in + " input channels to images of shape " + row);
        }
        float[] bias = values.isNone(op.input(2)) ? null : values.bias(op.input(2), (int) out, kind);
        int kh = (int) w.shape()[2], kw = (int) w.shape()[3];
        long oh = transposed ? (dims[1] - 1) * stride[0] - 2 * padding[0] + kh + outputPadding[0]
                : (dims[1] + 2 * padding[0] - kh) / stride[0] + 1;
        long ow = transposed ? (dims[2] - 1) * stride[1] - 2 * padding[1] + kw + outputPadding[1]
                : (dims[2] + 2 * padding[1] - kw) / stride[1] + 1;
        layers.add(new NativeNet.Conv((int) dims[0], (int) dims[1], (int) dims[2], (int) out, kh, kw, (int) stride[0], (int) stride[1],
                (int) padding[0], (int) padding[1], (int) outputPadding[0], (int) outputPadding[1], transposed, w.values(), bias));
        row.image(out, oh, ow);
        open = false;
    }

    private void activation(JitNode op, String kind, GraphValues values) {
        NativeNet.Activation a;
        float alpha = 0;
        switch (kind) {
            case "aten::relu" -> a = NativeNet.Activation.RELU;
            case "aten::tanh" -> a = NativeNet.Activation.TANH;
            case "aten::sigmoid" -> a = NativeNet.Activation.SIGMOID;
            case "aten::silu" -> a = NativeNet.Activation.SILU;
            case "aten::leaky_relu" -> {
                a = NativeNet.Activation.LEAKY_RELU;
                alpha = op.inputs().size() > 1 ? (float) values.number(op.input(1), kind) : 0.01f;
            }
            default -> {
                LinearStackReader.requireExactGelu(op, values);
                a = NativeNet.Activation.GELU;
            }
        }
        layers.add(new NativeNet.Act((int) row.width(), a, alpha));
        open = false;
    }

    private void pad(JitNode op, String kind, GraphValues values) {
        String name = values.method();
        long[] dims = row.dims();
        long[] amounts = values.ints(op.input(1), kind);
        if (dims.length != 3 || (amounts.length != 2 && amounts.length != 4)) {
            throw new GraphRefusal(name + " pads samples of shape " + row + " by " + Arrays.toString(amounts)
                    + "; the network engine pads the height and width of C x H x W images");
        }
        long left = amounts[0], right = amounts[1], top = amounts.length == 4 ? amounts[2] : 0, bottom = amounts.length == 4 ? amounts[3] : 0;
        float value = (float) values.number(op.input(2), kind);
        addPad(dims, top, bottom, left, right, value);
    }

    private void slice(JitNode op, String kind, GraphValues values) {
        String name = values.method();
        long[] dims = row.dims();
        long dim = values.integer(op.input(1), kind);
        long rank = dims.length + 1;
        dim = dim < 0 ? dim + rank : dim;
        long size = dim == 0 ? Long.MAX_VALUE : dim < rank ? dims[(int) dim - 1] : -1;
        if (size < 0) {
            throw new GraphRefusal(name + " slices dimension " + dim + " of samples of shape " + row);
        }
        long start = values.isNone(op.input(2)) ? 0 : values.integer(op.input(2), kind);
        long end = values.isNone(op.input(3)) ? Long.MAX_VALUE : values.integer(op.input(3), kind);
        long step = values.integer(op.input(4), kind);
        if (dim > 0) {
            start = start < 0 ? Math.max(0, start + size) : Math.min(start, size);
            end = end < 0 ? Math.max(0, end + size) : Math.min(end, size);
        }
        boolean whole = step == 1 && start == 0 && end >= size;
        if (whole) {
            return;
        }
        if (step != 1 || dim == 0 || dims.length != 3 || dim == 1 || end <= start) {
            throw new GraphRefusal(name + " slices dimension " + dim + " of samples of shape " + row + " with step " + step
                    + "; the network engine crops the height or width of C x H x W images");
        }
        if (dim == 2) {
            addPad(dims, -start, -(size - end), 0, 0, 0f);
        } else {
            addPad(dims, 0, 0, -start, -(size - end), 0f);
        }
    }

    private void addPad(long[] dims, long top, long bottom, long left, long right, float value) {
        layers.add(new NativeNet.Pad((int) dims[0], (int) dims[1], (int) dims[2], (int) top, (int) bottom, (int) left, (int) right, value));
        row.image(dims[0], dims[1] + top + bottom, dims[2] + left + right);
        open = false;
    }

    private static long[] pair(long[] v, String name, String kind, String what) {
        if (v.length == 1) {
            return new long[] {v[0], v[0]};
        }
        if (v.length != 2) {
            throw new GraphRefusal(name + " uses " + kind + " with a " + what + " of " + v.length + " entries; the network engine runs 2-D ones");
        }
        return v;
    }
}
