package org.latentfield.data;

/**
 * n points of dimension dim stored row-major in one float array: row i is
 * {@code data[i * dim .. (i + 1) * dim)}.
 */
public record Points(int n, int dim, float[] data) {
    public Points {
        if (n < 0 || dim < 1) {
            throw new IllegalArgumentException("points need n >= 0 and dim >= 1, got " + n + " x " + dim);
        }
        if (data == null || (long) n * dim != data.length) {
            throw new IllegalArgumentException("expected " + ((long) n * dim) + " values for " + n + " x " + dim + " points, got "
                    + (data == null ? "null" : data.length));
        }
    }

    /** Copy of row i. */
    public float[] row(int i) {
        float[] r = new float[dim];
        System.arraycopy(data, i * dim, r, 0, dim);
        return r;
    }

    /** Rows {@code from .. to - 1} as their own points (a copy). */
    public Points rows(int from, int to) {
        if (from < 0 || to > n || from > to) {
            throw new IllegalArgumentException("rows " + from + ".." + to + " are outside 0.." + n);
        }
        return new Points(to - from, dim, java.util.Arrays.copyOfRange(data, from * dim, to * dim));
    }

    /** The column means (1/n) sum_i x_i, accumulated in double; zeros when there are no rows. */
    public double[] mean() {
        double[] m = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                m[j] += data[i * dim + j];
            }
        }
        for (int j = 0; j < dim && n > 0; j++) {
            m[j] /= n;
        }
        return m;
    }

    /** The column means as floats, for points that live in float space. */
    public float[] meanFloat() {
        double[] m = mean();
        float[] f = new float[dim];
        for (int j = 0; j < dim; j++) {
            f[j] = (float) m[j];
        }
        return f;
    }

    /** Coordinate j of row i. */
    public float get(int i, int j) {
        return data[i * dim + j];
    }

    /**
     * The rows of any 2-D float32/float64 .npy matrix (N x dim, N >= 1, finite values).
     *
     * @param role what the file is, for messages ("dictionary", "signals")
     */
    public static Points readNpy(java.nio.file.Path path, String role) {
        NpyArray a = Npy.read(path);
        if (a.shape().length != 2 || a.shape()[0] < 1 || a.shape()[1] < 1) {
            throw new org.latentfield.LatentfieldException("the " + role + " " + path + " have shape " + a.shapeString()
                    + "; expected a 2-D matrix (N, dim) with N, dim >= 1.");
        }
        if (a.size() > Integer.MAX_VALUE - 8) {
            throw new org.latentfield.LatentfieldException("the " + role + " " + path + " hold " + a.size() + " values, more than one run takes; split the file.");
        }
        float[] v = a.toFloats();
        int dim = (int) a.shape()[1];
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new org.latentfield.LatentfieldException("the " + role + " " + path + " contain a non-finite value at row " + i / dim
                        + "; expected finite numbers.");
            }
        }
        return new Points((int) a.shape()[0], dim, v);
    }
}
