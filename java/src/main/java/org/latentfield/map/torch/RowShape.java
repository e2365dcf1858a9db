package org.latentfield.map.torch;

import java.util.Arrays;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.JitNode;
import org.bytedeco.pytorch.Value;
import org.latentfield.kernels.NativeLibraries;

/**
 * The shape of one sample (the batch dimension left out) as it flows through the shape-only
 * ops of decode and encode. Only ops that keep one sample per row are admitted: flatten from
 * dimension 1 on, unflatten of a non-batch dimension, reshape/view whose first entry is -1 or
 * the batch size ({@code aten::size(h, 0)} of a value on the path) and whose other entries keep
 * the sample's length. A sample stays a C-order block of its values, so where it is flat
 * ({@link #flat()}) the native engine's row holds exactly LibTorch's values.
 */
final class RowShape {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private static final long BATCH = Long.MIN_VALUE;

    private long[] dims;

    RowShape(long width) {
        this.dims = new long[] {width};
    }

    /** A sample of the given shape (a spatial latent, C x H x W). */
    RowShape(long[] dims) {
        this.dims = dims.clone();
    }

    /** The shape of a sample. */
    long[] dims() {
        return dims.clone();
    }

    /** Makes a sample an image of {@code c} x {@code h} x {@code w} (the output of a convolution or a pad). */
    void image(long c, long h, long w) {
        dims = new long[] {c, h, w};
    }

    /** Whether a sample is a flat vector (where Linear layers may run). */
    boolean flat() {
        return dims.length == 1;
    }

    /** The number of values in a sample. */
    long width() {
        return Arrays.stream(dims).reduce(1, (a, b) -> a * b);
    }

    /** Makes a sample a flat vector of {@code width} values (the output of a Linear layer). */
    void vector(long width) {
        dims = new long[] {width};
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }

    /** Applies a shape-only op (aten::flatten, unflatten, reshape, view, contiguous) on the path; refuses one that mixes samples. */
    void apply(JitNode op, String kind, GraphValues values, GraphChain chain) {
        String name = values.method();
        switch (kind) {
            case "aten::contiguous":
                return;
            case "aten::flatten": {
                int rank = dims.length + 1;
                int s = dimension(values.integer(op.input(1), kind), rank, name, kind);
                int e = dimension(values.integer(op.input(2), kind), rank, name, kind);
                if (s == 0 && e > 0) {
                    throw new GraphRefusal(name + " flattens the batch dimension into a sample (aten::flatten from dimension 0)");
                }
                if (s > 0 && e > s) {
                    long merged = 1;
                    for (int d = s; d <= e; d++) {
                        merged *= dims[d - 1];
                    }
                    long[] next = new long[dims.length - (e - s)];
                    System.arraycopy(dims, 0, next, 0, s - 1);
                    next[s - 1] = merged;
                    System.arraycopy(dims, e, next, s, dims.length - e);
                    dims = next;
                }
                return;
            }
            case "aten::unflatten": {
                int d = dimension(values.integer(op.input(1), kind), dims.length + 1, name, kind);
                if (d == 0) {
                    throw new GraphRefusal(name + " unflattens the batch dimension (aten::unflatten of dimension 0)");
                }
                long[] sizes = fill(shapeEntries(op.input(2), values, chain, kind), dims[d - 1], name, kind);
                long[] next = new long[dims.length - 1 + sizes.length];
                System.arraycopy(dims, 0, next, 0, d - 1);
                System.arraycopy(sizes, 0, next, d - 1, sizes.length);
                System.arraycopy(dims, d, next, d - 1 + sizes.length, dims.length - d);
                dims = next;
                return;
            }
            default: { // aten::reshape, aten::view
                long[] entries = shapeEntries(op.input(1), values, chain, kind);
                if (entries.length < 2 || (entries[0] != BATCH && entries[0] != -1)) {
                    throw new GraphRefusal(name + " uses " + kind + " to " + describe(entries)
                            + ", which does not keep one sample per row");
                }
                long[] rest = Arrays.copyOfRange(entries, 1, entries.length);
                if (entries[0] == -1 && Arrays.stream(rest).anyMatch(v -> v < 0)) {
                    throw new GraphRefusal(name + " uses " + kind + " to " + describe(entries) + ", which does not keep one sample per row");
                }
                dims = fill(rest, width(), name, kind);
            }
        }
    }

    /** The entries of a shape list: constants, -1, or BATCH for aten::size(h, 0) of a value on the path. */
    private static long[] shapeEntries(Value list, GraphValues values, GraphChain chain, String kind) {
        IValue constant = values.resolve(list);
        if (constant != null) {
            return constants(constant, values.method(), kind);
        }
        JitNode node = list.node();
        if (!GraphValues.kindOf(node).equals("prim::ListConstruct")) {
            throw new GraphRefusal(values.method() + " computes the shape of " + kind + " with " + GraphValues.kindOf(node));
        }
        long[] out = new long[(int) node.inputs().size()];
        for (int i = 0; i < out.length; i++) {
            Value v = node.input(i);
            IValue c = values.resolve(v);
            out[i] = c != null && c.isInt() ? c.toInt() : batchSize(v, values, chain) ? BATCH : Long.MAX_VALUE;
            if (out[i] == Long.MAX_VALUE) {
                throw new GraphRefusal(values.method() + " computes an entry of the shape of " + kind + " with "
                        + GraphValues.kindOf(v.node()));
            }
        }
        return out;
    }

    /** Whether {@code v} is aten::size(h, 0) of a value h on the path, possibly through int/tensor conversions. */
    private static boolean batchSize(Value v, GraphValues values, GraphChain chain) {
        JitNode node = v.node();
        String kind = GraphValues.kindOf(node);
        if (kind.equals("aten::Int") || kind.equals("prim::NumToTensor") || kind.equals("aten::ScalarImplicit")) {
            return batchSize(node.input(0), values, chain);
        }
        if (!kind.equals("aten::size") || node.inputs().size() != 2 || !chain.onPath(node.input(0))) {
            return false;
        }
        IValue d = values.resolve(node.input(1));
        return d != null && d.isInt() && d.toInt() == 0;
    }

    private static long[] constants(IValue list, String name, String kind) {
        if (list == null || !list.isIntList()) {
            throw new GraphRefusal(name + " passes " + kind + " sizes that are not constant integers");
        }
        return list.toIntVector().get();
    }

    /** {@code sizes} with its one -1 (if any) filled so that their product is {@code width}; refuses otherwise. */
    private static long[] fill(long[] sizes, long width, String name, String kind) {
        long known = 1;
        int free = -1;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == -1 && free < 0) {
                free = i;
            } else if (sizes[i] < 1) {
                throw new GraphRefusal(name + " uses " + kind + " with sizes " + describe(sizes) + ", which do not keep one sample per row");
            } else {
                known *= sizes[i];
            }
        }
        long[] out = sizes.clone();
        if (free >= 0 && width % known == 0) {
            out[free] = width / known;
            return out;
        }
        if (free < 0 && known == width) {
            return out;
        }
        throw new GraphRefusal(name + " uses " + kind + " with sizes " + describe(sizes) + " on samples of " + width + " values");
    }

    private static int dimension(long d, int rank, String name, String kind) {
        long n = d < 0 ? d + rank : d;
        if (n < 0 || n >= rank) {
            throw new GraphRefusal(name + " uses " + kind + " on dimension " + d + " of a " + rank + "-dimensional tensor");
        }
        return (int) n;
    }

    private static String describe(long[] entries) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < entries.length; i++) {
            s.append(i == 0 ? "" : ", ").append(entries[i] == BATCH ? "batch" : Long.toString(entries[i]));
        }
        return s.append(']').toString();
    }
}
