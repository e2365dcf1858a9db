package org.latentfield.analysis;

import org.latentfield.data.Points;
import org.latentfield.kernels.NativeMatrix;
import org.latentfield.map.LatentMap;

/**
 * The latent vector field V(z) = f(z) - z (PAPER.md section 1) on a square grid of a plane
 * z = origin + x u + y w (u, w orthonormal). For k = 2 the plane is the latent space itself.
 */
public final class VectorField {
    private VectorField() {}

    /** A plane in R^k: origin plus orthonormal directions u and w. */
    public record Plane(String kind, float[] origin, float[] u, float[] w) {
        /** Plane coordinates (x, y) of z: its projection (z - origin) . u, (z - origin) . w. */
        public double[] coordinates(float[] z, int offset) {
            double x = 0, y = 0;
            for (int j = 0; j < u.length; j++) {
                double d = z[offset + j] - origin[j];
                x += d * u[j];
                y += d * w[j];
            }
            return new double[] {x, y};
        }

        /** Distance from z to the plane. */
        public double distance(float[] z, int offset) {
            double[] c = coordinates(z, offset);
            double s = 0;
            for (int j = 0; j < u.length; j++) {
                double r = z[offset + j] - origin[j] - c[0] * u[j] - c[1] * w[j];
                s += r * r;
            }
            return Math.sqrt(s);
        }
    }

    /** The plane of the first two coordinate axes through the origin. */
    public static Plane axes(int k) {
        float[] u = new float[k], w = new float[k];
        u[0] = 1;
        w[1] = 1;
        return new Plane("axes", new float[k], u, w);
    }

    /** The plane through the mean of {@code latents} spanned by their two principal directions. */
    public static Plane principal(Points latents) {
        Points top = Probing.principalDirections(latents, 2);
        return new Plane("pca", latents.meanFloat(), top.row(0), top.row(1));
    }

    /** The plane through three points a, b, c (origin a; u along b - a; w the rest of c - a). */
    public static Plane through(float[] a, float[] b, float[] c) {
        int k = a.length;
        double[] u = new double[k], w = new double[k];
        for (int j = 0; j < k; j++) {
            u[j] = b[j] - a[j];
            w[j] = c[j] - a[j];
        }
        normalise(u);
        double d = 0;
        for (int j = 0; j < k; j++) {
            d += u[j] * w[j];
        }
        for (int j = 0; j < k; j++) {
            w[j] -= d * u[j];
        }
        if (!normalise(w)) {
            throw new IllegalArgumentException("the three points are collinear; they span no plane");
        }
        return new Plane("attractors", a.clone(), toFloat(u), toFloat(w));
    }

    /**
     * V on a g x g grid over [lo, hi]^2 of plane coordinates: {@code points} (g*g x k, row
     * j * g + i at (xs[i], ys[j])), {@code field} their V (g*g x k), {@code along} the plane
     * components (V . u, V . w) (g*g x 2) and {@code magnitude} |V| in R^k.
     */
    public record Grid(double[] xs, double[] ys, Points points, Points field, double[] along, double[] magnitude) {}

    public static Grid evaluate(LatentMap map, Plane plane, double lo, double hi, int g) {
        int k = map.latentDim();
        double[] xs = new double[g];
        for (int i = 0; i < g; i++) {
            xs[i] = lo + (hi - lo) * i / (g - 1);
        }
        int n = g * g;
        float[] z = new float[n * k];
        for (int j = 0; j < g; j++) {
            for (int i = 0; i < g; i++) {
                for (int c = 0; c < k; c++) {
                    z[(j * g + i) * k + c] = (float) (plane.origin()[c] + xs[i] * plane.u()[c] + xs[j] * plane.w()[c]);
                }
            }
        }
        float[] fz = new float[n * k];
        try (NativeMatrix in = new NativeMatrix(n, k); NativeMatrix out = new NativeMatrix(n, k)) {
            in.putRows(z, 0, 0, n);
            map.apply(in, out, n);
            out.getRows(0, fz, 0, n);
        }
        float[] v = new float[n * k];
        double[] along = new double[2 * n], magnitude = new double[n];
        for (int p = 0; p < n; p++) {
            double su = 0, sw = 0, sq = 0;
            for (int c = 0; c < k; c++) {
                float d = fz[p * k + c] - z[p * k + c];
                v[p * k + c] = d;
                su += d * plane.u()[c];
                sw += d * plane.w()[c];
                sq += (double) d * d;
            }
            along[2 * p] = su;
            along[2 * p + 1] = sw;
            magnitude[p] = Math.sqrt(sq);
        }
        return new Grid(xs, xs.clone(), new Points(n, k, z), new Points(n, k, v), along, magnitude);
    }

    private static boolean normalise(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        if (!(s > 1e-24)) {
            return false;
        }
        for (int j = 0; j < v.length; j++) {
            v[j] /= Math.sqrt(s);
        }
        return true;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int j = 0; j < v.length; j++) {
            f[j] = (float) v[j];
        }
        return f;
    }
}
