package org.latentfield.map.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.Method;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.kernels.NativeMlp;
import org.latentfield.kernels.NativeMlp.Activation;

/**
 * Reads f = encode(decode(.)) from the inlined, optimised TorchScript graphs of decode and
 * encode as one stack of Linear layers for {@link NativeMlp}, decoder first, each
 * h -> act(h W^T + b).
 *
 * <p>Admitted on the path from each method's input ({@link GraphChain}), in execution order:
 * {@code aten::linear}; {@code aten::addmm(b, h, M)} with beta = alpha = 1, and
 * {@code aten::mm}/{@code aten::matmul(h, M)}, whose weight is W = M^T ({@code M} is often
 * {@code W.t()}); {@code aten::add} of a constant bias (alpha 1) to a layer's output before its
 * activation; one activation per layer, {@code aten::relu}, {@code tanh}, {@code sigmoid} or
 * {@code gelu} with approximate='none' (a layer without one is the identity); dropout only when
 * its {@code train} argument is false (the model is loaded in eval mode), where it is the
 * identity; and shape-only ops that keep one sample per row ({@link RowShape}). The shape of a
 * sample is tracked through both methods, so a Linear layer is admitted only where a sample is
 * a flat vector of the layer's input width: there the native engine's rows hold exactly
 * LibTorch's values. Weights and biases are read from the module's parameters through
 * {@code prim::GetAttr} chains or from constant tensors ({@link GraphValues}). Anything else is
 * refused with one clause naming the method and the op.
 */
final class LinearStackReader {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    /** The arguments each op must have (aten::gelu of graphs saved before PyTorch 1.12 has no approximate). */
    private static final Map<String, Integer> ARGUMENTS = Map.ofEntries(Map.entry("aten::linear", 3), Map.entry("aten::addmm", 5),
            Map.entry("aten::mm", 2), Map.entry("aten::matmul", 2), Map.entry("aten::add", 3), Map.entry("aten::relu", 1),
            Map.entry("aten::tanh", 1), Map.entry("aten::sigmoid", 1), Map.entry("aten::gelu", 1), Map.entry("aten::dropout", 3),
            Map.entry("aten::feature_dropout", 3), Map.entry("aten::alpha_dropout", 3), Map.entry("aten::feature_alpha_dropout", 3),
            Map.entry("aten::flatten", 3), Map.entry("aten::reshape", 2), Map.entry("aten::view", 2), Map.entry("aten::unflatten", 3),
            Map.entry("aten::contiguous", 1));

    /** A layer being read: the activation stays null until one is seen (identity if none). */
    private static final class Layer {
        final GraphValues.Matrix weight;
        float[] bias;
        Activation activation;

        Layer(GraphValues.Matrix weight, float[] bias) {
            this.weight = weight;
            this.bias = bias;
        }
    }

    private final List<Layer> layers = new ArrayList<>();
    /** The shape of one sample as it flows through both methods. */
    private final RowShape row;
    /** Whether the last layer may still take a bias or an activation (only shape ops since). */
    private boolean open;

    private LinearStackReader(int k) {
        this.row = new RowShape(k);
    }

    /** The layers of f, decoder first; throws {@link GraphRefusal} with the reason when the graphs do not qualify. */
    static List<NativeMlp.Layer> read(Method decode, String decodeName, Method encode, String encodeName, int k) {
        LinearStackReader reader = new LinearStackReader(k);
        reader.method(decode, decodeName);
        reader.method(encode, encodeName);
        if (!reader.row.flat() || reader.row.width() != k) {
            throw new GraphRefusal(encodeName + " returns samples of shape " + reader.row + ", not vectors of " + k);
        }
        if (reader.layers.isEmpty()) {
            throw new GraphRefusal("encode(decode(z)) has no Linear layer");
        }
        List<NativeMlp.Layer> out = new ArrayList<>();
        for (Layer l : reader.layers) {
            out.add(new NativeMlp.Layer(l.weight.cols(), l.weight.rows(), l.weight.values(), l.bias,
                    l.activation == null ? Activation.IDENTITY : l.activation));
        }
        return out;
    }

    private void method(Method m, String name) {
        Graph graph = torch.toGraphFunction(m.function()).optimized_graph();
        GraphValues values = new GraphValues(graph, m.owner(), name);
        GraphChain chain = GraphChain.of(graph, name);
        for (JitNode op : chain.ops()) {
            String kind = GraphValues.kindOf(op);
            if (op.inputs().size() < ARGUMENTS.get(kind)) {
                throw new GraphRefusal(name + " uses " + kind + " with " + op.inputs().size() + " arguments, a form the native engine"
                        + " does not run");
            }
            if (GraphChain.LAYERS.contains(kind)) {
                layer(op, kind, values, chain);
            } else if (GraphChain.ACTIVATIONS.contains(kind)) {
                activation(op, kind, values);
            } else if (GraphChain.DROPOUTS.contains(kind)) {
                if (values.bool(op.input(2), kind)) {
                    throw new GraphRefusal(name + " runs " + kind + " in training mode");
                }
            } else {
                row.apply(op, kind, values, chain);
            }
        }
    }

    private void layer(JitNode op, String kind, GraphValues values, GraphChain chain) {
        String name = values.method();
        if (kind.equals("aten::add")) {
            if (!open || !row.flat()) {
                throw new GraphRefusal(name + " adds a value to something other than a Linear layer's output (aten::add)");
            }
            one(values.number(op.input(2), kind), kind, values);
            Layer last = layers.get(layers.size() - 1);
            float[] b = values.bias(op.input(chain.onPath(op.input(0)) ? 1 : 0), (int) row.width(), kind);
            last.bias = last.bias == null ? b : sum(last.bias, b);
            return;
        }
        if (!row.flat()) {
            throw new GraphRefusal(name + " applies " + kind + " to samples of shape " + row
                    + "; the native engine runs Linear layers on flat vectors only");
        }
        Affine a = affine(op, kind, values, row.width());
        layers.add(new Layer(a.weight(), a.bias()));
        GraphValues.Matrix weight = a.weight();
        row.vector(weight.rows());
        open = true;
    }

    /** The weight (out x in) and bias (or null) of a Linear-like op on flat vectors of {@code width}. */
    record Affine(GraphValues.Matrix weight, float[] bias) {}

    /**
     * Reads {@code aten::linear}, {@code addmm(b, h, M)} with alpha = beta = 1 (W = M^T), or
     * {@code mm}/{@code matmul(h, M)} (W = M^T); refuses one whose input width is not {@code width}.
     */
    static Affine affine(JitNode op, String kind, GraphValues values, long width) {
        GraphValues.Matrix weight;
        float[] bias = null;
        switch (kind) {
            case "aten::linear" -> {
                weight = values.matrix(op.input(1), kind);
                if (!values.isNone(op.input(2))) {
                    bias = values.bias(op.input(2), weight.rows(), kind);
                }
            }
            case "aten::addmm" -> {
                one(values.number(op.input(3), kind), kind, values);
                one(values.number(op.input(4), kind), kind, values);
                weight = values.matrix(op.input(2), kind).transposed();
                bias = values.bias(op.input(0), weight.rows(), kind);
            }
            default -> weight = values.matrix(op.input(1), kind).transposed(); // aten::mm, aten::matmul
        }
        if (weight.cols() != width) {
            throw new GraphRefusal(values.method() + " applies " + kind + " with " + weight.cols() + " inputs to vectors of " + width);
        }
        return new Affine(weight, bias);
    }

    /** Refuses an {@code aten::gelu} that is not the exact (erf) form, the one liblf's engines run. */
    static void requireExactGelu(JitNode op, GraphValues values) {
        String approximate = op.inputs().size() > 1 ? values.string(op.input(1), "aten::gelu") : "none";
        if (!approximate.equals("none")) {
            throw new GraphRefusal(values.method() + " uses aten::gelu with approximate='" + approximate
                    + "'; the native engine runs the exact (erf) GELU only");
        }
    }

    private void activation(JitNode op, String kind, GraphValues values) {
        String name = values.method();
        Activation a = switch (kind) {
            case "aten::relu" -> Activation.RELU;
            case "aten::tanh" -> Activation.TANH;
            case "aten::sigmoid" -> Activation.SIGMOID;
            default -> {
                requireExactGelu(op, values);
                yield Activation.GELU;
            }
        };
        if (layers.isEmpty() || !open) {
            throw new GraphRefusal(name + " applies " + kind + (layers.isEmpty() ? " before any Linear layer" : " after another activation")
                    + "; the native engine runs one activation after each Linear layer");
        }
        layers.get(layers.size() - 1).activation = a;
        open = false;
    }

    private static void one(double v, String kind, GraphValues values) {
        if (v != 1) {
            throw new GraphRefusal(values.method() + " scales a term of " + kind + " by " + v + "; the native engine runs alpha = beta = 1");
        }
    }

    static float[] sum(float[] a, float[] b) {
        float[] s = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            s[i] = a[i] + b[i];
        }
        return s;
    }
}
