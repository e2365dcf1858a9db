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

    /** Coordinate j of row i. */
    public float get(int i, int j) {
        return data[i * dim + j];
    }
}
