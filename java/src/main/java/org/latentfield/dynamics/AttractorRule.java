package org.latentfield.dynamics;

import java.util.Locale;
import org.latentfield.LatentfieldException;
import org.latentfield.map.LatentMap;

/**
 * How the converged endpoints of a run become attractors: the identity rule (the default since
 * issue 12), which polishes every endpoint to a known residual and merges fixed points whose
 * error balls touch ({@link FixedPointPolish}, {@link FixedPointIdentity}), or one of the
 * endpoint-only rules of {@link MergeRule} (the paper's {@code cosine:0.99}, {@code euclidean:R}),
 * which compare the stopped endpoints as they are.
 */
public sealed interface AttractorRule {
    /** The rule as the CLI spells it, e.g. "identity:1.0E-9" or "cosine:0.99". */
    String spec();

    /** The attractors of {@code result}, a run of {@code map}. */
    Attractors apply(FixedPointResult result, LatentMap map);

    /**
     * The clusters of one chunk of a run of {@code map} whose first start has index
     * {@code offset}, clustered after the fixed points already known ({@link AttractorSet#keys()}).
     */
    FixedPointClusters cluster(FixedPointResult chunk, LatentMap map, long offset, java.util.List<FixedPointClusters.Key> priors);

    /** An empty online set of this rule's fixed points, for a run of latent dimension k. */
    AttractorSet newSet(int k);

    /** The default: {@code identity} with {@link FixedPointPolish#DEFAULT_TOL}. */
    static AttractorRule defaults() {
        return new Identity(FixedPointPolish.DEFAULT_TOL, Identity.DEFAULT_MAX_STEPS);
    }

    /** The paper's rule: cosine similarity above 0.99 (PAPER.md section 2). */
    static AttractorRule paper() {
        return new Endpoint(MergeRule.paperDefault());
    }

    /**
     * Parses "identity", "identity:TOL", or a {@link MergeRule} spec ("cosine:T[:R]",
     * "euclidean:R").
     *
     * @throws LatentfieldException naming the spec when it is malformed
     */
    static AttractorRule parse(String spec) {
        String[] p = spec.strip().toLowerCase(Locale.ROOT).split(":", -1);
        if (!p[0].equals("identity")) {
            return new Endpoint(MergeRule.parse(spec));
        }
        try {
            if (p.length <= 2) {
                double tol = p.length == 1 ? FixedPointPolish.DEFAULT_TOL : Double.parseDouble(p[1]);
                return new Identity(tol, Identity.DEFAULT_MAX_STEPS);
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new LatentfieldException("--merge identity takes an optional relative residual in (0, 1), as identity:1e-9; got '" + spec + "'.");
    }

    /**
     * The identity rule.
     *
     * @param tol      polish every converged endpoint until ||f(z) - z|| &lt;= tol * max(1, ||z||)
     *                 (raised to the float32 floor for a float32 model, and said so)
     * @param maxSteps refinement steps per endpoint at most; an endpoint that does not reach
     *                 the tolerance is left out of every basin and counted
     */
    record Identity(double tol, int maxSteps) implements AttractorRule {
        public static final int DEFAULT_MAX_STEPS = 50;

        public Identity {
            if (!(tol > 0 && tol < 1)) {
                throw new LatentfieldException("--merge identity takes an optional relative residual in (0, 1) (identity:TOL or --polish-tol TOL),"
                        + " got " + tol + ".");
            }
            if (maxSteps < 1) {
                throw new LatentfieldException("the polishing step cap must be a positive integer, got " + maxSteps + ".");
            }
        }

        @Override
        public String spec() {
            return "identity:" + tol;
        }

        @Override
        public Attractors apply(FixedPointResult result, LatentMap map) {
            return identify(result, map).attractors();
        }

        @Override
        public FixedPointClusters cluster(FixedPointResult chunk, LatentMap map, long offset, java.util.List<FixedPointClusters.Key> priors) {
            return FixedPointClusters.identify(chunk, map, tol, maxSteps, offset, priors);
        }

        @Override
        public AttractorSet newSet(int k) {
            return new AttractorSet(null, k);
        }

        /** The attractors with the polishing facts behind them. */
        public Attractors.Identified identify(FixedPointResult result, LatentMap map) {
            return Attractors.identify(result, map, tol, maxSteps);
        }
    }

    /** An endpoint-only rule of {@link MergeRule}. */
    record Endpoint(MergeRule rule) implements AttractorRule {
        @Override
        public String spec() {
            return rule.spec();
        }

        @Override
        public Attractors apply(FixedPointResult result, LatentMap map) {
            return Attractors.find(result, rule);
        }

        @Override
        public FixedPointClusters cluster(FixedPointResult chunk, LatentMap map, long offset, java.util.List<FixedPointClusters.Key> priors) {
            return FixedPointClusters.dedup(chunk, rule, offset, priors);
        }

        @Override
        public AttractorSet newSet(int k) {
            return new AttractorSet(rule, k);
        }
    }
}
