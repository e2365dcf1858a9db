package org.latentfield.map.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Graph;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.Value;
import org.latentfield.kernels.NativeLibraries;

/**
 * The ops of one inlined TorchScript graph that lie on the path from its tensor input to its
 * result, in execution order, or the reason the graph cannot be read that way.
 *
 * <p>The graph must take one tensor besides {@code self}, return one value (or a tuple, whose
 * first element is the result, as a VAE's {@code (mu, logvar)}: the LibTorch path uses that
 * element too), and contain no control flow, no op with side effects and no in-place op
 * anywhere (an in-place op could change a value on the path without being on it). Walking back
 * from the result, each op must be one the native engine runs, and must take exactly one value
 * computed from the input (a residual {@code h + g(h)} is refused); its other arguments are
 * read by {@link GraphValues}. The reason names the first offending op in execution order (a
 * conv decoder is refused for its first conv, not for the crop at its end). Ops off the path (a
 * VAE's logvar head) cannot change f and are ignored.
 */
final class GraphChain {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    /** The ops {@link LinearStackReader} runs, with the argument that carries the data (add: whichever does). */
    static final Set<String> LAYERS = Set.of("aten::linear", "aten::addmm", "aten::mm", "aten::matmul", "aten::add");
    static final Set<String> ACTIVATIONS = Set.of("aten::relu", "aten::tanh", "aten::sigmoid", "aten::gelu");
    static final Set<String> DROPOUTS = Set.of("aten::dropout", "aten::feature_dropout", "aten::alpha_dropout", "aten::feature_alpha_dropout");
    static final Set<String> SHAPES = Set.of("aten::flatten", "aten::reshape", "aten::view", "aten::unflatten", "aten::contiguous");

    private final List<JitNode> ops;
    private final Set<Long> path;

    private GraphChain(List<JitNode> ops, Set<Long> path) {
        this.ops = ops;
        this.path = path;
    }

    /** The ops from the input to the result, first to last. */
    List<JitNode> ops() {
        return ops;
    }

    /** Whether {@code v} is the input or an op's result on the path (so its dimension 0 is the batch). */
    boolean onPath(Value v) {
        return path.contains(v.address());
    }

    /** The ops the network engine runs besides those above ({@link NetChainReader}). */
    static final Set<String> NET_OPS = Set.of("aten::conv2d", "aten::conv_transpose2d", "aten::_convolution", "aten::constant_pad_nd",
            "aten::slice", "aten::leaky_relu", "aten::silu");

    /** Reads the path of {@code graph} for the MLP engine; {@code method} names it in reasons. */
    static GraphChain of(Graph graph, String method) {
        return of(graph, method, Set.of());
    }

    /** Reads the path of {@code graph}, admitting {@code extra} ops (data in their first argument) too. */
    static GraphChain of(Graph graph, String method, Set<String> extra) {
        long args = graph.inputs().size() - 1;
        if (args != 1) {
            throw new GraphRefusal(method + " takes " + args + " arguments; the native engine runs methods of one tensor");
        }
        Value x = graph.inputs().get(1);
        Set<Long> fromInput = dependents(graph, x, method);
        if (graph.outputs().size() != 1) {
            throw new GraphRefusal(method + " returns " + graph.outputs().size() + " values");
        }
        Value cur = graph.outputs().get(0);
        if (GraphValues.kindOf(cur.node()).equals("prim::TupleConstruct")) {
            cur = cur.node().input(0);
        }
        List<JitNode> ops = new ArrayList<>();
        Set<Long> path = new HashSet<>();
        if (!fromInput.contains(cur.address()) && !cur.equals(x)) {
            throw new GraphRefusal(method + " returns a value that does not depend on its input");
        }
        String problem = null; // the last one met walking back: the first in execution order
        while (!cur.equals(x)) {
            JitNode node = cur.node();
            String kind = GraphValues.kindOf(node);
            int data = extra.contains(kind) ? 0 : dataArgument(node, kind, fromInput);
            if (data < 0) {
                problem = method + " uses " + kind + ", which the native engine does not run";
                data = firstDependent(node, fromInput);
            } else if (!fromInput.contains(node.input(data).address())) {
                problem = method + " passes a value computed from its input to " + kind + " as a weight or setting";
                data = firstDependent(node, fromInput);
            } else {
                for (int i = 0; i < node.inputs().size(); i++) {
                    boolean shapeArgument = (kind.equals("aten::reshape") || kind.equals("aten::view")) && i == 1;
                    if (i != data && !shapeArgument && fromInput.contains(node.input(i).address())) {
                        problem = method + " combines two values computed from its input in " + kind
                                + ", which the native engine does not run";
                    }
                }
                if (node.isNondeterministic() && !DROPOUTS.contains(kind)) {
                    problem = method + " uses " + kind + ", which is not deterministic";
                }
            }
            ops.add(node);
            path.add(cur.address());
            cur = node.input(data);
        }
        if (problem != null) {
            throw new GraphRefusal(problem);
        }
        path.add(x.address());
        Collections.reverse(ops);
        return new GraphChain(ops, path);
    }

    /** Values computed from {@code x}; refuses control flow, side effects and in-place ops anywhere in the graph. */
    private static Set<Long> dependents(Graph graph, Value x, String method) {
        Set<Long> fromInput = new HashSet<>();
        fromInput.add(x.address());
        for (JitNode n = graph.nodes().front(); !n.equals(graph.return_node()); n = n.next()) {
            String kind = GraphValues.kindOf(n);
            if (n.blocks().size() > 0) {
                throw new GraphRefusal(method + " has control flow (" + kind + "), which the native engine does not run");
            }
            if (n.hasSideEffects()) {
                throw new GraphRefusal(method + " has side effects (" + kind + ")");
            }
            String name = kind.substring(kind.indexOf("::") + 2);
            if (name.endsWith("_") && !name.endsWith("__")) {
                throw new GraphRefusal(method + " modifies a tensor in place (" + kind + "), which the native engine does not run");
            }
            boolean depends = false;
            for (int i = 0; i < n.inputs().size() && !depends; i++) {
                depends = fromInput.contains(n.input(i).address());
            }
            if (depends) {
                for (int i = 0; i < n.outputs().size(); i++) {
                    fromInput.add(n.output(i).address());
                }
            }
        }
        return fromInput;
    }

    /** The argument of a supported op that carries the data, or -1 for an op the native engine does not run. */
    private static int dataArgument(JitNode node, String kind, Set<Long> fromInput) {
        if (kind.equals("aten::add")) {
            return fromInput.contains(node.input(0).address()) ? 0 : 1;
        }
        if (kind.equals("aten::addmm")) {
            return 1;
        }
        boolean supported = LAYERS.contains(kind) || ACTIVATIONS.contains(kind) || DROPOUTS.contains(kind) || SHAPES.contains(kind);
        return supported ? 0 : -1;
    }

    /** The first argument computed from the input (every op walked back to has one). */
    private static int firstDependent(JitNode node, Set<Long> fromInput) {
        for (int i = 0; i < node.inputs().size(); i++) {
            if (fromInput.contains(node.input(i).address())) {
                return i;
            }
        }
        throw new IllegalStateException("an op on the path from the input has no argument computed from it");
    }
}
