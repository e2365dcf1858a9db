package org.latentfield.analysis;

import org.latentfield.data.Points;

/**
 * Observed iteration counts against the contraction bound (PAPER.md section 6): near an
 * attractor z* with rho = ||J_f(z*)||_2 &lt; 1, ||z_t - z*|| &lt;= rho^t ||z_0 - z*||, so reaching
 * error eps takes T &gt;= log(eps / ||z_0 - z*||) / log(rho). Ours: the same with the spectral
 * radius, the asymptotic rate, which exists for non-normal attractors with ||J||_2 &gt;= 1.
 *
 * @param observed       per converged start, its iteration count
 * @param boundNorm      per converged start, the bound with rho = ||J||_2 (NaN where ||J||_2 &gt;= 1
 *                       or the start is already within eps)
 * @param estimateRadius the same with the spectral radius (NaN where it is &gt;= 1)
 * @param correlationNorm   Pearson correlation of observed and boundNorm over the defined pairs
 * @param correlationRadius the same for estimateRadius
 */
public record IterationComplexity(double[] observed, double[] boundNorm, double[] estimateRadius, double correlationNorm,
                                  double correlationRadius) {

    /** Points where the norm bound is defined. */
    public int definedNorm() {
        return (int) java.util.Arrays.stream(boundNorm).filter(Double::isFinite).count();
    }

    public int definedRadius() {
        return (int) java.util.Arrays.stream(estimateRadius).filter(Double::isFinite).count();
    }

    /**
     * @param starts     z_0 of every start
     * @param attractors the attractor points, indexed by {@code basin}
     * @param basin      per start, its attractor or -1 (not converged)
     * @param norm       ||J||_2 per attractor
     * @param radius     rho(J) per attractor
     * @param eps        the error the stopping rule corresponds to (sqrt of the squared-step tolerance)
     */
    public static IterationComplexity of(Points starts, Points attractors, int[] iterations, int[] basin, float[] norm, float[] radius,
                                         double eps) {
        int n = (int) java.util.Arrays.stream(basin).filter(b -> b >= 0).count();
        double[] obs = new double[n], bn = new double[n], br = new double[n];
        int p = 0;
        for (int i = 0; i < basin.length; i++) {
            int a = basin[i];
            if (a < 0) {
                continue;
            }
            double d0 = 0;
            for (int j = 0; j < starts.dim(); j++) {
                double d = starts.get(i, j) - attractors.get(a, j);
                d0 += d * d;
            }
            d0 = Math.sqrt(d0);
            obs[p] = iterations[i];
            bn[p] = bound(eps, d0, norm[a]);
            br[p] = bound(eps, d0, radius[a]);
            p++;
        }
        return new IterationComplexity(obs, bn, br, pearson(obs, bn), pearson(obs, br));
    }

    static double bound(double eps, double d0, double rho) {
        if (!(rho < 1) || !(rho > 0) || !(d0 > eps)) {
            return Double.NaN;
        }
        return Math.log(eps / d0) / Math.log(rho);
    }

    /** Pearson correlation over the pairs where y is finite (NaN with fewer than 3 pairs). */
    static double pearson(double[] x, double[] y) {
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        int n = 0;
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(y[i])) {
                continue;
            }
            n++;
            sx += x[i];
            sy += y[i];
            sxx += x[i] * x[i];
            syy += y[i] * y[i];
            sxy += x[i] * y[i];
        }
        if (n < 3) {
            return Double.NaN;
        }
        double cov = sxy - sx * sy / n, vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
        return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : Double.NaN;
    }
}
