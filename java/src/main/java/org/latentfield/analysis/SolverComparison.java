package org.latentfield.analysis;

import java.util.Arrays;
import org.latentfield.dynamics.Attractors;
import org.latentfield.dynamics.FixedPointIdentity;
import org.latentfield.dynamics.FixedPointPolish;

/**
 * How two runs from the same starts agree on their attractors (issue 12: an accelerated solver
 * against Picard). Two attractors, polished points a and b with spectral radii rho_a and rho_b,
 * are the same when ||a - b|| &lt;= e_a + e_b with the identity rule's radius
 * e = tol max(1, ||z||) / max(1 - rho, 1e-3) + floor max(1, ||z||) ({@link FixedPointIdentity}),
 * tol being the polishing tolerance both were held to and floor the float32 floor.
 *
 * @param found        per attractor of the reference run, the index of the same attractor in the
 *                     other run, or -1
 * @param foundCount   reference attractors found by the other run
 * @param extraCount   attractors of the other run that the reference does not have
 * @param basinShared  starts that reached an attractor in both runs
 * @param basinAgreed  of those, the starts whose attractors are the same one
 */
public record SolverComparison(int[] found, int foundCount, int extraCount, int basinShared, int basinAgreed) {

    /** Share of the starts reaching an attractor in both runs that reach the same one (NaN when none). */
    public double basinAgreement() {
        return basinShared == 0 ? Double.NaN : (double) basinAgreed / basinShared;
    }

    /** Whether every attractor of the reference was found. */
    public boolean allFound() {
        return foundCount == found.length;
    }

    /** Compares {@code other} with {@code reference}, both found by the identity rule with tolerance {@code tol}. */
    public static SolverComparison of(Attractors reference, Attractors other, double tol) {
        int a = reference.count();
        int[] found = new int[a];
        Arrays.fill(found, -1);
        boolean[] used = new boolean[other.count()];
        for (int i = 0; i < a; i++) {
            Attractors.Attractor x = reference.attractors().get(i);
            double best = Double.POSITIVE_INFINITY;
            for (int j = 0; j < other.count(); j++) {
                Attractors.Attractor y = other.attractors().get(j);
                double d = distance(point(x), point(y));
                if (d <= radius(x, tol) + radius(y, tol) && d < best) {
                    best = d;
                    found[i] = j;
                }
            }
            if (found[i] >= 0) {
                used[found[i]] = true;
            }
        }
        int foundCount = (int) Arrays.stream(found).filter(j -> j >= 0).count();
        int extra = 0;
        for (boolean u : used) {
            extra += u ? 0 : 1;
        }
        int shared = 0, agreed = 0;
        int[] rb = reference.basin(), ob = other.basin();
        for (int s = 0; s < rb.length; s++) {
            if (rb[s] >= 0 && ob[s] >= 0) {
                shared++;
                agreed += found[rb[s]] == ob[s] ? 1 : 0;
            }
        }
        return new SolverComparison(found, foundCount, extra, shared, agreed);
    }

    private static double[] point(Attractors.Attractor x) {
        if (x.polished64() != null) {
            return x.polished64();
        }
        double[] p = new double[x.point().length];
        for (int j = 0; j < p.length; j++) {
            p[j] = x.point()[j];
        }
        return p;
    }

    private static double radius(Attractors.Attractor x, double tol) {
        double norm = Math.sqrt(Arrays.stream(point(x)).map(v -> v * v).sum());
        double gap = Double.isFinite(x.rho()) ? 1 - x.rho() : 1; // for an attractor, min |1 - lambda| >= 1 - rho
        return FixedPointIdentity.radius(tol * Math.max(1, norm), gap, norm, FixedPointPolish.FLOAT32_FLOOR);
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += (a[j] - b[j]) * (a[j] - b[j]);
        }
        return Math.sqrt(s);
    }
}
