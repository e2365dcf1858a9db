package org.latentfield.dynamics;

/**
 * What polishing did over a run, summed over its chunks: for summary.json's settings.polish.
 *
 * @param polished    endpoints polished
 * @param seeded      of them, polished with their own Jacobian (the others by the chord method)
 * @param reached     of them, those whose residual met the tolerance
 * @param stepsMax    the most refinement steps one took
 * @param residualMax the largest residual left
 * @param tol         the relative tolerance used (raised to the float32 floor where needed); NaN before any polishing
 * @param method      "newton" or "picard" (null before any polishing)
 */
public record PolishTally(long polished, long seeded, long reached, int stepsMax, double residualMax, double tol, String method) {
    /** Nothing polished yet. */
    public static final PolishTally NONE = new PolishTally(0, 0, 0, 0, 0, Double.NaN, null);

    /** The tally of one polishing. */
    public static PolishTally of(FixedPointPolish.Result p) {
        long reached = 0;
        int steps = 0;
        double worst = 0;
        for (int i = 0; i < p.n(); i++) {
            reached += p.reached()[i] ? 1 : 0;
            steps = Math.max(steps, p.steps()[i]);
            worst = Math.max(worst, p.residual()[i]);
        }
        return new PolishTally(p.n(), p.seeded(), reached, steps, worst, p.tol(), p.method());
    }

    /** This tally and {@code o}'s together (tolerance and method: the later one's where this has none). */
    public PolishTally plus(PolishTally o) {
        return new PolishTally(polished + o.polished, seeded + o.seeded, reached + o.reached, Math.max(stepsMax, o.stepsMax),
                Math.max(residualMax, o.residualMax), method == null ? o.tol : tol, method == null ? o.method : method);
    }
}
