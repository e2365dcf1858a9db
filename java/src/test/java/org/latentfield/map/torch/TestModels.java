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

/**
 * Analytic autoencoders for tests, compiled from TorchScript source with JitModule.define and
 * saved as real TorchScript archives, so that tests go through the same loading path as users.
 * Each has decode(z) = z (so f = encode) unless its source says otherwise.
 */
public final class TestModels {
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
}
