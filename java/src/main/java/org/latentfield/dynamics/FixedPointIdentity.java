package org.latentfield.dynamics;

/**
 * Which polished fixed points are the same one (issue 12), with a radius derived from what is
 * known about each, so that the answer does not depend on the scale of z.
 *
 * <p>For a point z with residual r = ||f(z) - z|| near a fixed point z* of f where J = J_f(z*)
 * has no eigenvalue 1, to first order z - z* = (I - J)^{-1} (z - f(z)), so
 * ||z - z*|| &lt;= ||(I - J)^{-1}|| r. For a normal J, ||(I - J)^{-1}|| = 1 / gap with
 * gap = min_i |1 - lambda_i(J)| (the distance of the spectrum to 1; for a contraction
 * gap &gt;= 1 - rho); for a non-normal J the norm can be larger and this estimate replaces it by
 * its normal value. The residual itself is only known to the precision f is evaluated with,
 * floor * max(1, ||z||) (the float32 floor 1e-6 for a float32 model, 1e-14 in float64): a point
 * whose measured residual is 0 may still be that far from a zero of the true residual, and that
 * uncertainty, too, moves the fixed point by 1 / gap times as much. The radius of a point is
 * therefore
 * <pre>  e = (r + floor * max(1, ||z||)) / min(1, max(gap, 1e-3))</pre>
 * (r + floor * max(1, ||z||) where the spectrum is unknown), where 1e-3 ({@link #MIN_GAP}) keeps
 * a non-hyperbolic point's ball finite and the 1 keeps a strongly repelling point's ball at
 * least as large as the precision floor. Two points a and b are the
 * same fixed point when ||a - b|| &lt;= e_a + e_b: the two balls that each hold its fixed point
 * touch. Distinct fixed points farther apart than that are never merged, whatever their norms:
 * the linear contraction's polished endpoints all fall within 1e-9 of 0 (one attractor), and z
 * and 2z stay apart. The rule holds for saddles and repellers as well as attractors, since it
 * needs only the gap, not a contraction.
 */
public final class FixedPointIdentity {
    /** A gap min |1 - lambda| below this is treated as non-hyperbolic: the bound is then r / this. */
    public static final double MIN_GAP = 1e-3;

    private FixedPointIdentity() {}

    /** e = (r + floor * max(1, ||z||)) / min(1, max(gap, 1e-3)) (gap unknown: the numerator), the class comment's radius. */
    public static double radius(double residual, double gap, double norm, double floor) {
        double g = Double.isFinite(gap) ? Math.min(1, Math.max(MIN_GAP, gap)) : 1;
        return (residual + floor * Math.max(1, norm)) / g;
    }

    /** The radius around each polished point that holds its fixed point (see the class comment). */
    public static double[] radii(FixedPointPolish.Result polished, int k) {
        double floor = polished.tol() > FixedPointPolish.FLOAT32_FLOOR / 2 ? FixedPointPolish.FLOAT32_FLOOR : 1e-14;
        double[] e = new double[polished.n()];
        for (int p = 0; p < e.length; p++) {
            e[p] = radius(polished.residual()[p], polished.gap()[p], FixedPointPolish.norm(polished.points(), p, k), floor);
        }
        return e;
    }

    /**
     * Greedy clustering in row order: each point joins the first earlier cluster whose
     * representative (its first point) is within the sum of their radii, else starts one.
     * Points whose polishing did not reach its tolerance (their radius would be set by a
     * residual that says little) get -1, as do points whose residual is not finite.
     *
     * @return the cluster of each point
     */
    public static int[] cluster(FixedPointPolish.Result polished, int k) {
        return cluster(polished, k, new double[0][], new double[0]);
    }

    /**
     * The same greedy clustering continued from earlier representatives: clusters
     * 0 .. priors.length - 1 are those whose representatives are {@code priors} (points, k
     * doubles each) with radii {@code priorRadii}, created before every point here, so a point
     * is compared with them first. Clustering a run chunk by chunk this way, each chunk with the
     * representatives of all before it, gives the clusters of clustering it whole.
     */
    public static int[] cluster(FixedPointPolish.Result polished, int k, double[][] priors, double[] priorRadii) {
        double[] e = radii(polished, k);
        double[] x = polished.points();
        int n = polished.n();
        int g = priors.length;
        int[] cluster = new int[n];
        int[] reps = new int[n];
        int count = 0;
        for (int p = 0; p < n; p++) {
            cluster[p] = -1;
            if (!Double.isFinite(polished.residual()[p]) || !polished.reached()[p]) {
                continue;
            }
            for (int c = 0; c < g && cluster[p] < 0; c++) {
                if (touch(x, p * k, e[p], priors[c], 0, priorRadii[c], k)) {
                    cluster[p] = c;
                }
            }
            for (int c = 0; c < count && cluster[p] < 0; c++) {
                if (touch(x, p * k, e[p], x, reps[c] * k, e[reps[c]], k)) {
                    cluster[p] = g + c;
                }
            }
            if (cluster[p] < 0) {
                reps[count] = p;
                cluster[p] = g + count++;
            }
        }
        return cluster;
    }

    /** ||a - b|| &lt;= ea + eb: the balls around two polished points touch. */
    public static boolean touch(double[] a, int ao, double ea, double[] b, int bo, double eb, int k) {
        double d = 0;
        for (int j = 0; j < k; j++) {
            double t = a[ao + j] - b[bo + j];
            d += t * t;
        }
        return Math.sqrt(d) <= ea + eb;
    }
}
