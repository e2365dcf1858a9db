package org.latentfield.map;

import org.latentfield.kernels.NativeMatrix;
import org.latentfield.kernels.NativeMlp;

/**
 * An MLP latent map run by liblf's fused engine ({@link NativeMlp}) instead of LibTorch:
 * f(z) by native GEMMs, Jacobians analytically in forward mode. Owns the plan.
 */
public final class NativeMlpMap implements DifferentiableMap {
    private final NativeMlp mlp;
    private final String label;

    /** Wraps {@code mlp}; {@code label} names the model in messages. */
    public NativeMlpMap(NativeMlp mlp, String label) {
        this.mlp = mlp;
        this.label = label;
    }

    public NativeMlp engine() {
        return mlp;
    }

    @Override
    public int latentDim() {
        return mlp.latentDim();
    }

    @Override
    public String device() {
        return "liblf " + mlp.device().spec() + " (" + label + ")";
    }

    @Override
    public void apply(NativeMatrix in, NativeMatrix out, int rows) {
        int k = latentDim();
        float[] z = new float[rows * k];
        in.getRows(0, z, 0, rows);
        out.putRows(mlp.apply(z, rows), 0, 0, rows);
    }

    @Override
    public float[] jacobians(float[] z, int n) {
        return mlp.jacobians(z, n);
    }

    @Override
    public void close() {
        mlp.close();
    }
}
