package org.latentfield.dynamics;

import org.latentfield.kernels.FixedPointBookkeeper;

/** How the iteration of one starting point ended (PAPER.md section 2). */
public enum PointState {
    /** Met ||z_t - z_{t-1}||^2 < tol; its endpoint approximates a fixed point. */
    CONVERGED,
    /** Applied f max-iter times without meeting the rule: not converged, never an attractor. */
    NOT_CONVERGED,
    /** An iterate became NaN/Inf or its norm exceeded the divergence bound. */
    DIVERGED;

    static PointState fromCode(byte code) {
        return switch (code) {
            case FixedPointBookkeeper.CONVERGED -> CONVERGED;
            case FixedPointBookkeeper.CAPPED -> NOT_CONVERGED;
            case FixedPointBookkeeper.DIVERGED -> DIVERGED;
            default -> throw new IllegalStateException("point still active after the solver finished (state code " + code + ")");
        };
    }
}
