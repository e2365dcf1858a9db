package org.latentfield.analysis;

import org.latentfield.data.Points;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeDistances;

/**
 * Symmetric Chamfer similarity of two point sets under cosine similarity (PAPER.md section 3,
 * training dynamics): (mean over a in A of max over b in B of cos(a, b) + the same from B to
 * A) / 2. 1 for identical sets (up to scale), lower as the sets drift apart.
 */
public final class Chamfer {
    private Chamfer() {}

    public static double similarity(Points a, Points b, Device device) {
        if (a.dim() != b.dim() || a.n() == 0 || b.n() == 0) {
            throw new IllegalArgumentException("Chamfer similarity needs two non-empty sets of the same dimension");
        }
        return (meanBestCosine(a, b, device) + meanBestCosine(b, a, device)) / 2;
    }

    /** Mean over rows of {@code from} of their best cosine similarity to a row of {@code to}. */
    static double meanBestCosine(Points from, Points to, Device device) {
        NativeDistances.Nearest near = NativeDistances.nearest(from.data(), to.data(), from.dim(), NativeDistances.Metric.COSINE, device);
        double sum = 0;
        for (float d : near.distance()) {
            sum += 1 - d;
        }
        return sum / from.n();
    }
}
