package org.latentfield.map;

import org.latentfield.kernels.NativeMatrix;
import org.latentfield.kernels.NativeEngine;

/**
 * A latent map run by one of liblf's engines ({@link NativeEngine}: the MLP or the network
 * engine) instead of LibTorch: f(z) by native GEMMs, Jacobians analytically in forward mode.
 * Owns the plan.
 */
public final class NativeEngineMap implements DifferentiableMap {
    private final NativeEngine engine;
    private final String label;

    /** Wraps {@code engine}; {@code label} names the model in messages. */
    public NativeEngineMap(NativeEngine engine, String label) {
        this.engine = engine;
        this.label = label;
    }

    public NativeEngine engine() {
        return engine;
    }

    @Override
    public int latentDim() {
        return engine.latentDim();
    }

    @Override
    public String device() {
        return "liblf " + engine.device().spec() + " (" + label + ")";
    }

    @Override
    public void apply(NativeMatrix in, NativeMatrix out, int rows) {
        int k = latentDim();
        float[] z = new float[rows * k];
        in.getRows(0, z, 0, rows);
        out.putRows(engine.apply(z, rows), 0, 0, rows);
    }

    @Override
    public float[] jacobians(float[] z, int n) {
        return engine.jacobians(z, n);
    }

    @Override
    public void close() {
        engine.close();
    }
}
