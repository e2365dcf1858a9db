package org.latentfield.dynamics;

import java.util.Locale;
import java.util.function.LongConsumer;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Points;
import org.latentfield.map.LatentMap;

/**
 * A fixed-point solver: finds points with f(z) = z from many starts, under one stopping rule
 * (issue 12). Every solver stops a point when the squared residual of its last evaluation,
 * ||f(x) - x||^2, is below {@code tol} (for Picard iteration this is the step
 * ||z_t - z_{t-1}||^2, the paper's rule), calls it diverged when f(x) is not finite or beyond
 * the divergence bound, and gives up at max-iter iterations; the endpoint is f(x).
 * <ul>
 *   <li>{@link Picard}: z_{t+1} = f(z_t), the paper's iteration; converges to attractors only,
 *       at the rate rho(J_f(z*)).</li>
 *   <li>{@link Anderson}: type-II Anderson acceleration with memory m (Walker and Ni 2011), in
 *       liblf; finds fixed points of every kind, usually in far fewer evaluations.</li>
 *   <li>{@link Newton}: damped Newton on g(z) = f(z) - z with the materialised Jacobian, for
 *       small k; quadratic near any hyperbolic fixed point.</li>
 * </ul>
 * A root-finding solver can stop at a saddle or a repeller: the identity rule classifies every
 * fixed point found ({@link FixedPointKind}) and gives basins to attractors only.
 */
public sealed interface Solver {
    /** The solver as the CLI spells it, e.g. "anderson:5". */
    String spec();

    /** Solves from every start; {@code progress} is told how many points stopped after each step. */
    FixedPointResult solve(LatentMap map, Points starts, FixedPointSolver.Options options, LongConsumer progress);

    /**
     * Parses "picard", "anderson", "anderson:M", "anderson:M:BETA" or "newton".
     *
     * @throws LatentfieldException naming the spec when it is malformed
     */
    static Solver parse(String spec) {
        String[] p = spec.strip().toLowerCase(Locale.ROOT).split(":", -1);
        try {
            switch (p[0]) {
                case "picard":
                    if (p.length == 1) {
                        return new Picard();
                    }
                    break;
                case "newton":
                    if (p.length == 1) {
                        return new Newton(Newton.DEFAULT_HALVINGS);
                    }
                    break;
                case "anderson":
                    if (p.length <= 3) {
                        int m = p.length >= 2 ? Integer.parseInt(p[1]) : Anderson.DEFAULT_MEMORY;
                        double beta = p.length == 3 ? Double.parseDouble(p[2]) : 1.0;
                        return new Anderson(m, beta, Anderson.DEFAULT_LAMBDA, Anderson.DEFAULT_SAFEGUARD);
                    }
                    break;
                default:
                    break;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new LatentfieldException("--solver must be picard, anderson[:M[:BETA]] (memory M in 1..64, mixing BETA in (0, 1]) or newton,"
                + " got '" + spec + "'.");
    }

    /** Plain fixed-point iteration, {@link FixedPointSolver#solve}. */
    record Picard() implements Solver {
        @Override
        public String spec() {
            return "picard";
        }

        @Override
        public FixedPointResult solve(LatentMap map, Points starts, FixedPointSolver.Options options, LongConsumer progress) {
            return FixedPointSolver.solve(map, starts, options, progress);
        }
    }

    /**
     * Type-II Anderson acceleration ({@link AndersonSolver}).
     *
     * @param memory    m, the number of past differences used (1..64)
     * @param beta      mixing (damping) in (0, 1]; 1 is undamped
     * @param lambda    Tikhonov regularisation of the least squares, relative to ||dG||_F^2 / m
     * @param safeguard a residual that grows by more than this factor restarts the history
     *                  with a plain Picard step
     */
    record Anderson(int memory, double beta, double lambda, double safeguard) implements Solver {
        public static final int DEFAULT_MEMORY = 5;
        public static final double DEFAULT_LAMBDA = 1e-10;
        public static final double DEFAULT_SAFEGUARD = 1.0;

        public Anderson {
            if (memory < 1 || memory > 64) {
                throw new LatentfieldException("--solver anderson:M takes a memory M in 1..64, got " + memory + ".");
            }
            if (!(beta > 0 && beta <= 1)) {
                throw new LatentfieldException("--solver anderson:M:BETA takes a mixing BETA in (0, 1], got " + beta + ".");
            }
            if (!(lambda >= 0) || !(safeguard > 0)) {
                throw new LatentfieldException("Anderson needs lambda >= 0 and a positive safeguard, got " + lambda + " and " + safeguard + ".");
            }
        }

        @Override
        public String spec() {
            return "anderson:" + memory + (beta != 1 ? ":" + beta : "");
        }

        @Override
        public FixedPointResult solve(LatentMap map, Points starts, FixedPointSolver.Options options, LongConsumer progress) {
            return AndersonSolver.solve(map, starts, options, this, progress);
        }
    }

    /**
     * Damped Newton ({@link NewtonSolver}).
     *
     * @param halvings the Newton step is tried at s = 1, 1/2, ..., 2^-halvings beside the Picard
     *                 step, and the candidate with the smallest residual is taken
     */
    record Newton(int halvings) implements Solver {
        public static final int DEFAULT_HALVINGS = 2;

        @Override
        public String spec() {
            return "newton";
        }

        @Override
        public FixedPointResult solve(LatentMap map, Points starts, FixedPointSolver.Options options, LongConsumer progress) {
            return NewtonSolver.solve(map, starts, options, this, progress);
        }
    }
}
