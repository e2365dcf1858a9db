package org.latentfield.map.torch;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueOptional;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.JitObject;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Value;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.kernels.NativeLibraries;

/**
 * The values a TorchScript graph reads but does not compute from its input: constants
 * ({@code prim::Constant}) and module attributes reached through {@code prim::GetAttr} chains
 * from {@code self} (parameters of {@code nn.Sequential} members after inlining, the
 * {@code training} flag of a Dropout). Anything computed by another op is refused, naming it:
 * a weight must be read, not derived.
 *
 * <p>The attribute name of a {@code prim::GetAttr} node is taken from the graph's printed form,
 * {@code %out : T = prim::GetAttr[name="weight"](%obj)}, keyed by the output's debug name
 * (unique within a graph): the preset's {@code JitNode.s(attr::name)} returns a buffer that is
 * freed before Java reads it (measured with PyTorch 2.10 / JavaCPP 1.5.13: right length, wrong
 * bytes). Call inside a {@code PointerScope}.
 */
final class GraphValues {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private static final Pattern GET_ATTR = Pattern.compile("^\\s*%(\\S+) : .* = prim::GetAttr\\[name=\"([^\"]*)\"\\]\\(%[^)]+\\)");

    /** A matrix read from the module, rows x cols row-major. */
    record Matrix(int rows, int cols, float[] values) {
        Matrix transposed() {
            float[] t = new float[values.length];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    t[j * rows + i] = values[i * cols + j];
                }
            }
            return new Matrix(cols, rows, t);
        }
    }

    private final Graph graph;
    private final JitModule owner;
    private final String method;
    private final Map<String, String> attributeNames = new HashMap<>();

    GraphValues(Graph graph, JitModule owner, String method) {
        this.graph = graph;
        this.owner = owner;
        this.method = method;
        for (String line : graph.toString().split("\n")) {
            Matcher m = GET_ATTR.matcher(line);
            if (m.find()) {
                attributeNames.put(m.group(1), m.group(2));
            }
        }
    }

    /** The method's name, for reasons. */
    String method() {
        return method;
    }

    /** The constant or attribute {@code v} holds, or null when an op computes it. */
    IValue resolve(Value v) {
        String kind = kindOf(v.node());
        if (kind.equals("prim::Constant")) {
            IValueOptional c = torch.toIValue(v);
            return c.has_value() ? c.get() : null;
        }
        if (kind.equals("prim::GetAttr")) {
            return attribute(v);
        }
        return null;
    }

    /** An integer argument (a constant or an int attribute). */
    long integer(Value v, String op) {
        return constant(v, op, "integer", IValue::isInt).toInt();
    }

    /** A number argument (int or float), e.g. alpha and beta of aten::addmm. */
    double number(Value v, String op) {
        IValue c = constant(v, op, "number", x -> x.isInt() || x.isDouble());
        return c.isInt() ? c.toInt() : c.toDouble();
    }

    /** A boolean argument, e.g. the {@code train} flag of dropout (a constant or a module's {@code training}). */
    boolean bool(Value v, String op) {
        return constant(v, op, "boolean", IValue::isBool).toBool();
    }

    /** A string argument, e.g. the {@code approximate} of aten::gelu. */
    String string(Value v, String op) {
        return constant(v, op, "string", IValue::isString).toStringRef().getString();
    }

    private IValue constant(Value v, String op, String type, Predicate<IValue> is) {
        IValue c = resolve(v);
        if (c == null || !is.test(c)) {
            throw refusal("an argument of " + op + " that is not a constant " + type);
        }
        return c;
    }

    /** A constant list of integers (stride, padding, pad amounts): a constant, an attribute, or a list of constant ints. */
    long[] ints(Value v, String op) {
        IValue c = resolve(v);
        if (c != null && c.isIntList()) {
            return c.toIntVector().get();
        }
        JitNode node = v.node();
        if (c == null && kindOf(node).equals("prim::ListConstruct")) {
            long[] out = new long[(int) node.inputs().size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = integer(node.input(i), op);
            }
            return out;
        }
        throw refusal("an argument of " + op + " that is not a constant list of integers");
    }

    /** A weight of {@code dims} dimensions read from a parameter or constant, with its shape. */
    record Weight(long[] shape, float[] values) {}

    Weight weight(Value v, String op, int dims) {
        long[] shape = tensor(v, op).sizes().vec().get();
        return new Weight(shape, floats(v, op, dims));
    }

    /** Whether {@code v} is the constant None (an absent bias). */
    boolean isNone(Value v) {
        IValue c = resolve(v);
        return c != null && c.isNone();
    }

    /**
     * A 2-D weight, following {@code aten::t}, {@code aten::transpose} of its two dimensions and
     * {@code aten::contiguous}/{@code aten::detach} back to a parameter or constant.
     */
    Matrix matrix(Value v, String op) {
        JitNode node = v.node();
        String kind = kindOf(node);
        switch (kind) {
            case "aten::t":
                return matrix(node.input(0), op).transposed();
            case "aten::transpose": {
                long a = integer(node.input(1), kind), b = integer(node.input(2), kind);
                if (Math.floorMod(a, 2) == Math.floorMod(b, 2)) {
                    return matrix(node.input(0), op);
                }
                return matrix(node.input(0), op).transposed();
            }
            case "aten::contiguous":
            case "aten::detach":
                return matrix(node.input(0), op);
            default:
                break;
        }
        float[] values = floats(v, op, 2);
        Tensor t = tensor(v, op);
        return new Matrix((int) t.size(0), (int) t.size(1), values);
    }

    /** A bias: a tensor of {@code out} values, shape [out] or [1, out]; a number is broadcast. */
    float[] bias(Value v, int out, String op) {
        IValue c = resolve(v);
        if (c != null && (c.isInt() || c.isDouble())) {
            float[] b = new float[out];
            java.util.Arrays.fill(b, (float) (c.isInt() ? c.toInt() : c.toDouble()));
            return b;
        }
        Tensor t = tensor(v, op);
        long[] shape = t.sizes().vec().get();
        boolean fits = shape.length == 1 && shape[0] == out || shape.length == 2 && shape[0] == 1 && shape[1] == out
                || shape.length == 0;
        if (!fits) {
            throw refusal("a bias of shape " + java.util.Arrays.toString(shape) + " in " + op + " where a vector of " + out
                    + " values belongs");
        }
        float[] values = floats(v, op, shape.length);
        if (values.length == 1 && out != 1) {
            float[] b = new float[out];
            java.util.Arrays.fill(b, values[0]);
            return b;
        }
        return values;
    }

    /** The reason {@code {method} reads {what}}, as an exception for the reader to pass on. */
    GraphRefusal refusal(String what) {
        return new GraphRefusal(method + " reads " + what);
    }

    static String kindOf(JitNode node) {
        return node.kind().toQualString().getString();
    }

    private Tensor tensor(Value v, String op) {
        IValue c = resolve(v);
        if (c == null) {
            throw new GraphRefusal(method + " computes a weight of " + op + " with " + kindOf(v.node())
                    + "; the native engine reads weights from parameters or constants only");
        }
        if (!c.isTensor()) {
            throw refusal("a " + c.tagKind().getString() + " where " + op + " takes a tensor");
        }
        Tensor t = c.toTensor();
        if (!t.is_floating_point()) {
            throw refusal("a non-floating-point weight in " + op);
        }
        return t;
    }

    private float[] floats(Value v, String op, int dims) {
        Tensor t = tensor(v, op);
        if (t.dim() != dims) {
            throw refusal("a " + t.dim() + "-dimensional weight in " + op + " where a " + dims + "-dimensional one belongs");
        }
        Tensor host = t.detach().to(new Device("cpu"), torch.ScalarType.Float).contiguous();
        float[] values = new float[(int) host.numel()];
        new FloatPointer(host.data_ptr_float()).capacity(values.length).get(values);
        return values;
    }

    /** The attribute a prim::GetAttr chain from self reaches. */
    private IValue attribute(Value v) {
        String name = attributeNames.get(v.debugName().getString());
        if (name == null) {
            throw new GraphRefusal(method + " has a prim::GetAttr whose attribute name could not be read from the graph");
        }
        JitObject object = objectOf(v.node().input(0));
        if (!object.hasattr(name)) {
            throw new GraphRefusal(method + " reads an attribute '" + name + "' the module does not have");
        }
        return object.attr(name);
    }

    private JitObject objectOf(Value v) {
        if (v.equals(graph.inputs().get(0))) {
            return owner;
        }
        if (!kindOf(v.node()).equals("prim::GetAttr")) {
            throw new GraphRefusal(method + " reads attributes of an object made by " + kindOf(v.node()));
        }
        IValue parent = attribute(v);
        if (!parent.isObject()) {
            throw new GraphRefusal(method + " reads an attribute of a " + parent.tagKind().getString());
        }
        return new JitObject(parent.toObject());
    }
}
