package org.latentfield.map.torch;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.map.Shape;

/** Shapes and dtypes of tensors in the words latentfield uses in messages and summaries. */
final class TorchShapes {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private TorchShapes() {}

    /** e.g. "32 x 4 x 8 x 8 float32"; "[] (a scalar) float32" for 0-d tensors. */
    static String describe(Tensor t) {
        return sizes(t) + " " + dtypeName(t.scalar_type().intern());
    }

    /** e.g. "32 x 4 x 8 x 8". */
    static String sizes(Tensor t) {
        if (t.dim() == 0) {
            return "[] (a scalar)";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < t.dim(); i++) {
            b.append(i == 0 ? "" : " x ").append(t.size(i));
        }
        return b.toString();
    }

    /** Whether {@code t} is a batch of {@code rows} items of {@code item}. */
    static boolean isBatchOf(Tensor t, long rows, Shape item) {
        if (t.dim() != item.rank() + 1 || t.size(0) != rows) {
            return false;
        }
        int[] d = item.dims();
        for (int i = 0; i < d.length; i++) {
            if (t.size(i + 1) != d[i]) {
                return false;
            }
        }
        return true;
    }

    /** The item shape of a batch (sizes after the first), or null for a tensor of rank < 2 or with an empty size. */
    static Shape itemShape(Tensor t) {
        if (t.dim() < 2) {
            return null;
        }
        long[] s = new long[(int) t.dim() - 1];
        for (int i = 1; i < t.dim(); i++) {
            s[i - 1] = t.size(i);
            if (s[i - 1] < 1) {
                return null;
            }
        }
        return Shape.of(s);
    }

    /** "float32", "float64", "float16", "bfloat16", or PyTorch's own name for others ({@code type} interned: JavaCPP returns fresh enum objects). */
    static String dtypeName(torch.ScalarType type) {
        return switch (type) {
            case Float -> "float32";
            case Double -> "float64";
            case Half -> "float16";
            case BFloat16 -> "bfloat16";
            default -> String.valueOf(type.name() != null ? type.name() : type.toString()).toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Whether latentfield can feed and read a model of this dtype. */
    static boolean isSupportedFloat(torch.ScalarType type) {
        return type == torch.ScalarType.Float || type == torch.ScalarType.Double || type == torch.ScalarType.Half
                || type == torch.ScalarType.BFloat16;
    }
}
