package org.latentfield.map.torch;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.NativeLibraries;

/**
 * Differentiation of f = encode(decode(.)) of a {@link TorchScriptAutoencoder} by LibTorch's
 * autograd: materialised Jacobians (k vector-Jacobian products batched) and matrix-free spectral
 * norms (power iteration on J^T J). Inputs are float32 latents; the model runs in its own dtype
 * and the casts at the boundary are differentiated through.
 */
final class TorchJacobians {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private final TorchScriptAutoencoder map;
    private final Device device;

    TorchJacobians(TorchScriptAutoencoder map, Device device) {
        this.map = map;
        this.device = device;
    }

    /**
     * Jacobians of f = encode(decode(.)) by reverse-mode autograd in LibTorch. Points go in
     * chunks of c = max(1, 4096 / k); each chunk is repeated row-wise k times (row p*k + i is
     * z_p), f runs once on the c*k rows, and one vector-Jacobian product with output gradient
     * e_i on row p*k + i yields e_i^T J_f(z_p), row i of J_p. Cost: one forward and one
     * backward pass over k copies of every point, the price of k JVPs.
     */
    float[] jacobians(float[] z, int n) {
        int k = map.latentDim();
        if (z.length < (long) n * k) {
            throw new IllegalArgumentException(z.length + " values hold fewer than " + n + " points of dimension " + k);
        }
        if ((long) n * k * k > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(n + " Jacobians of " + k + " x " + k + " exceed one Java array; split the points");
        }
        int threads = Math.max(map.workers(), map.intraOpThreads());
        if (torch.get_num_threads() != threads) {
            torch.set_num_threads(threads); // whole calls here: LibTorch's own intra-op threads
        }
        float[] out = new float[n * k * k];
        int chunk = Math.max(1, 4096 / k);
        for (int p0 = 0; p0 < n; p0 += chunk) {
            Cancellation.check();
            int b = Math.min(chunk, n - p0);
            try (PointerScope scope = new PointerScope()) {
                Tensor points = torch.from_blob(new FloatPointer(java.util.Arrays.copyOfRange(z, p0 * k, (p0 + b) * k)),
                        new long[] {b, k}, floatOptions()).clone();
                Tensor rep = points.repeat_interleave(k, new org.bytedeco.pytorch.LongOptional(0), new org.bytedeco.pytorch.LongOptional());
                if (device.is_cuda()) {
                    rep = rep.to(device, torch.ScalarType.Float);
                }
                rep = rep.detach();
                rep.set_requires_grad(true);
                Tensor fz = map.evaluate(rep, b * k);
                Tensor units = torch.eye(k, floatOptions()).repeat(b, 1);
                if (device.is_cuda()) {
                    units = units.to(device, torch.ScalarType.Float);
                }
                Tensor rows;
                try {
                    rows = torch.grad(new org.bytedeco.pytorch.TensorVector(fz), new org.bytedeco.pytorch.TensorVector(rep),
                            new org.bytedeco.pytorch.TensorVector(units), new org.bytedeco.pytorch.BoolOptional(false), false, true).get(0);
                } catch (RuntimeException e) {
                    throw new LatentfieldException("the model " + map.label() + " cannot be differentiated through encode(decode(z)): "
                            + TorchErrors.cause(e) + ".", e);
                }
                if (rows.isNull() || !rows.defined()) {
                    java.util.Arrays.fill(out, p0 * k * k, (p0 + b) * k * k, 0f); // f does not depend on z
                    continue;
                }
                Tensor host = rows.to(new Device("cpu"), torch.ScalarType.Float).contiguous();
                new FloatPointer(host.data_ptr_float()).capacity((long) b * k * k).get(out, p0 * k * k, b * k * k);
            }
        }
        return out;
    }

    /**
     * Spectral norms ||J_f(z_p)||_2 without materialising J: power iteration on J^T J with
     * products from autograd, J^T u by a vector-Jacobian product and J v by the double-backward
     * trick (the VJP g(u) = J^T u built with a graph, then J v = d(g . v)/du). Points go in
     * chunks of 256 and iterate together from the same start vector as liblf's kernel until
     * every point's ||J v||^2 changed by at most tol times itself, or maxIter steps. Returns
     * the norms; the step count of each chunk goes to {@code steps} (length n) when not null.
     * Measured against the materialised path in benchmarks/RESULTS.md.
     */
    float[] spectralNormsMatrixFree(float[] z, int n, int maxIter, double tol, int[] steps) {
        int k = map.latentDim();
        float[] norms = new float[n];
        int chunk = 256;
        double[] start = new double[k];
        double startNorm = 0;
        for (int j = 0; j < k; j++) {
            start[j] = 1.0 + 0.5 * Math.sin(1.7 * j + 0.3);
            startNorm += start[j] * start[j];
        }
        for (int p0 = 0; p0 < n; p0 += chunk) {
            Cancellation.check();
            int b = Math.min(chunk, n - p0);
            try (PointerScope scope = new PointerScope()) {
                Tensor zt = torch.from_blob(new FloatPointer(java.util.Arrays.copyOfRange(z, p0 * k, (p0 + b) * k)),
                        new long[] {b, k}, floatOptions()).clone();
                float[] v0 = new float[b * k];
                for (int p = 0; p < b; p++) {
                    for (int j = 0; j < k; j++) {
                        v0[p * k + j] = (float) (start[j] / Math.sqrt(startNorm));
                    }
                }
                Tensor v = torch.from_blob(new FloatPointer(v0), new long[] {b, k}, floatOptions()).clone();
                if (device.is_cuda()) {
                    zt = zt.to(device, torch.ScalarType.Float);
                    v = v.to(device, torch.ScalarType.Float);
                }
                zt.set_requires_grad(true);
                Tensor out = map.evaluate(zt, b);
                Tensor u = torch.zeros_like(out);
                u.set_requires_grad(true);
                Tensor g = grad(out, zt, u, true).get(0); // J^T u, differentiable in u
                Tensor lambda = null;
                int it = 0;
                while (it < maxIter) {
                    it++;
                    Tensor jv = grad(g, u, v, false).get(0);
                    Tensor next = jv.mul(jv).sum(new long[] {1}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
                    Tensor w = grad(out, zt, jv, false).get(0);
                    boolean done = lambda != null && next.sub(lambda).abs().le(next.mul(new org.bytedeco.pytorch.Scalar(tol))).all().item_bool();
                    lambda = next;
                    if (done) {
                        break;
                    }
                    Tensor wn = w.norm(new org.bytedeco.pytorch.ScalarOptional(new org.bytedeco.pytorch.Scalar(2.0)), new long[] {1}, true)
                            .clamp_min(new org.bytedeco.pytorch.Scalar(1e-30));
                    v = w.div(wn).detach();
                }
                Tensor host = lambda.sqrt().to(new Device("cpu"), torch.ScalarType.Float).contiguous();
                new FloatPointer(host.data_ptr_float()).capacity(b).get(norms, p0, b);
                if (steps != null) {
                    java.util.Arrays.fill(steps, p0, p0 + b, it);
                }
            }
        }
        return norms;
    }

    private org.bytedeco.pytorch.TensorVector grad(Tensor output, Tensor input, Tensor gradOutput, boolean createGraph) {
        try {
            return torch.grad(new org.bytedeco.pytorch.TensorVector(output), new org.bytedeco.pytorch.TensorVector(input),
                    new org.bytedeco.pytorch.TensorVector(gradOutput), new org.bytedeco.pytorch.BoolOptional(true), createGraph, false);
        } catch (RuntimeException e) {
            throw new LatentfieldException("the model " + map.label() + " cannot be differentiated through encode(decode(z)): "
                    + TorchErrors.cause(e) + ".", e);
        }
    }

    private static TensorOptions floatOptions() {
        return new TensorOptions().dtype(new org.bytedeco.pytorch.ScalarTypeOptional(torch.ScalarType.Float));
    }
}
