package org.latentfield.map.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolType;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.ListType;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.SingletonTypePtr;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Type;
import org.latentfield.kernels.NativeLibraries;

/**
 * Analytic autoencoders for tests, compiled from TorchScript source with JitModule.define and
 * saved as real TorchScript archives, so that tests go through the same loading path as users.
 * Each has decode(z) = z (so f = encode) unless its source says otherwise.
 */
public final class TestModels {
    static {
        NativeLibraries.prepare(); // tests may touch LibTorch before any engine class does
    }

    private TestModels() {}

    /** A module builder: TorchScript methods plus float parameters. */
    public static final class Builder {
        private final StringBuilder source = new StringBuilder();
        private final Map<String, float[]> params = new LinkedHashMap<>();
        private final Map<String, long[]> shapes = new LinkedHashMap<>();
        private final Map<String, double[]> doubleParams = new LinkedHashMap<>();
        private final Map<String, long[]> intLists = new LinkedHashMap<>();
        private Integer latentDim;
        private boolean training = true;

        public Builder method(String code) {
            source.append(code.stripIndent()).append('\n');
            return this;
        }

        public Builder identityDecode() {
            return method("def decode(self, z):\n    return z\n");
        }

        public Builder param(String name, float[] values, long... shape) {
            params.put(name, values);
            shapes.put(name, shape);
            return this;
        }

        /** A float64 parameter. */
        public Builder paramDouble(String name, double[] values, long... shape) {
            doubleParams.put(name, values);
            shapes.put(name, shape);
            return this;
        }

        /** Registers a List[int] attribute, e.g. input_shape or latent_shape. */
        public Builder intList(String name, long... values) {
            intLists.put(name, values);
            return this;
        }

        /** Saves the module in eval mode (attribute training = false, as model.eval() before export); by default it is true, as a PyTorch module's. */
        public Builder eval() {
            training = false;
            return this;
        }

        /** Registers the integer attribute latent_dim. */
        public Builder latentDim(int k) {
            this.latentDim = k;
            return this;
        }

        public Path save(Path file) throws IOException {
            try (PointerScope scope = new PointerScope()) {
                JitModule m = new JitModule(new QualifiedName("LfTestModel"));
                for (var e : params.entrySet()) {
                    m.register_parameter(e.getKey(), Tensor.create(e.getValue(), shapes.get(e.getKey())), false);
                }
                for (var e : doubleParams.entrySet()) {
                    m.register_parameter(e.getKey(), Tensor.create(e.getValue(), shapes.get(e.getKey())), false);
                }
                Type.TypePtr intType = new Type.TypePtr(new SingletonTypePtr(IntType.getIntTypePtr()));
                Type.TypePtr boolType = new Type.TypePtr(new SingletonTypePtr(BoolType.get().get()));
                m.register_attribute("training", boolType, new IValue(training), false, false);
                if (latentDim != null) {
                    m.register_attribute("latent_dim", intType, new IValue((long) latentDim), false, false);
                }
                for (var e : intLists.entrySet()) {
                    GenericList list = new GenericList(intType);
                    for (long v : e.getValue()) {
                        list.push_back(new IValue(v));
                    }
                    m.register_attribute(e.getKey(), ListType.get("List[int]", intType), new IValue(list), false, false);
                }
                m.define(source.toString());
                m.save(file.toString());
            }
            return file;
        }
    }

    /** f of {@code rows} latent rows through {@link TorchScriptAutoencoder#apply}. */
    public static float[] apply(TorchScriptAutoencoder map, float[] z, int rows) {
        int k = map.latentDim();
        try (org.latentfield.kernels.NativeMatrix in = new org.latentfield.kernels.NativeMatrix(rows, k);
             org.latentfield.kernels.NativeMatrix out = new org.latentfield.kernels.NativeMatrix(rows, k)) {
            in.putRows(z, 0, 0, rows);
            map.apply(in, out, rows);
            float[] fz = new float[rows * k];
            out.getRows(0, fz, 0, rows);
            return fz;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The encode of {@link #mlp}: 6 -> 8 (tanh) -> 2, each layer addmm(b, h, W.t()). */
    public static final String MLP_ENCODE = """
            def encode(self, x):
                h = torch.tanh(torch.addmm(self.e0_b, x, self.e0_w.t()))
                return torch.addmm(self.e1_b, h, self.e1_w.t())
            """;

    /** The decode of {@link #mlp} with {@code input}, an expression in z, fed to its first layer: 2 -> 8 (tanh) -> 6. */
    public static String mlpDecode(String input) {
        return "def decode(self, z):\n    h = " + input + "\n    h = torch.tanh(torch.addmm(self.d0_b, h, self.d0_w.t()))\n"
                + "    return torch.addmm(self.d1_b, h, self.d1_w.t())\n";
    }

    /** The forward of {@link #mlp}: decode(encode(x)). */
    public static final String MLP_FORWARD = "def forward(self, x):\n    return self.decode(self.encode(x))\n";

    /**
     * The parameters (d0: 2 -> 8, d1: 8 -> 6, e0: 6 -> 8, e1: 8 -> 2, as PyTorch's out x in
     * weights with N(0, s^2) entries, s = 0.05, 1, 1, 3, and N(0, 0.1^2) biases from
     * {@code seed}) and latent_dim of a small MLP autoencoder. The encoder's last bias is shifted
     * by (30, -30) so that f has attractors beyond |z| = 20, where d0's small weights keep tanh
     * unsaturated: what decode does to z there changes f (with seed 4 a clamp of z to [-20, 20]
     * moves the attractors by 3). Add encode (e.g. {@link #MLP_ENCODE}), decode
     * ({@link #mlpDecode}) and forward ({@link #MLP_FORWARD}), and save.
     */
    public static Builder mlpBuilder(long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        Builder b = builder().latentDim(2);
        int[][] layers = {{8, 2}, {6, 8}, {8, 6}, {2, 8}};
        String[] names = {"d0", "d1", "e0", "e1"};
        double[] scales = {0.05, 1, 1, 3};
        for (int l = 0; l < layers.length; l++) {
            int out = layers[l][0], in = layers[l][1];
            float[] w = new float[out * in], bias = new float[out];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (scales[l] * random.nextGaussian());
            }
            for (int i = 0; i < out; i++) {
                bias[i] = (float) (0.1 * random.nextGaussian() + (names[l].equals("e1") ? (i == 0 ? 30 : -30) : 0));
            }
            b.param(names[l] + "_w", w, out, in).param(names[l] + "_b", bias, out);
        }
        return b;
    }

    /** {@link #mlpBuilder} with {@link #MLP_ENCODE}, {@code mlpDecode(input)} and {@link #MLP_FORWARD}, saved to {@code file}. */
    public static Path mlp(Path file, String input, long seed) throws IOException {
        return mlpBuilder(seed).method(MLP_ENCODE).method(mlpDecode(input)).method(MLP_FORWARD).save(file);
    }

    /** f(z) = A z with A given row-major (k x k); encode(x) = x A^T, decode = identity. */
    public static Path linear(Path file, float[] a, int k) throws IOException {
        float[] at = new float[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                at[j * k + i] = a[i * k + j];
            }
        }
        return builder().identityDecode().param("At", at, k, k).latentDim(k)
                .method("def encode(self, x):\n    return torch.mm(x, self.At)\n")
                .method("def forward(self, x):\n    return self.decode(self.encode(x))\n")
                .save(file);
    }

    /**
     * A conv-shaped model the network engine cannot run: decode z -> tanh(W z) as a 1 x 4 x 4
     * image, encode a 2 x 2 max-pool then a linear map back to k = 4.
     */
    public static Path maxPool(Path file) throws IOException {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        float[] dw = new float[64], ew = new float[16];
        for (int i = 0; i < dw.length; i++) {
            dw[i] = (float) (0.3 * r.nextGaussian());
        }
        for (int i = 0; i < ew.length; i++) {
            ew[i] = (float) (0.3 * r.nextGaussian());
        }
        return builder().eval().intList("latent_shape", 4).intList("input_shape", 1, 4, 4).param("dw", dw, 16, 4).param("ew", ew, 4, 4)
                .method("def decode(self, z):\n    return torch.tanh(torch.mm(z, self.dw.t())).reshape([-1, 1, 4, 4])\n")
                .method("def encode(self, x):\n    return torch.mm(torch.flatten(torch.max_pool2d(x, [2, 2]), 1), self.ew.t())\n")
                .save(file);
    }
}
