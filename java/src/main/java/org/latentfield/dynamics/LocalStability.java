package org.latentfield.dynamics;

/**
 * How the linearisation of f at a point classifies it (PAPER.md sections 1 and 6): stable when
 * the spectral radius rho(J_f(z)) &lt; 1 (a fixed point there attracts), not stable when rho
 * &gt;= 1, and undefined when there is nothing to classify. Undefined is never stable: like a
 * {@link PointState#DIVERGED} trajectory, a point where f(z) or J_f(z) is NaN/Inf is counted
 * apart, never among the stable or contractive points.
 */
public enum LocalStability {
    /** rho(J) &lt; 1. */
    STABLE(1),
    /** rho(J) &gt;= 1 (including rho = +Inf when J is finite but its spectrum overflows float). */
    NOT_STABLE(0),
    /** f(z) has a NaN or Inf entry: f is not defined at z, so neither is its linearisation. */
    UNDEFINED_F(-1),
    /** f(z) is finite but J_f(z) has a NaN or Inf entry. */
    UNDEFINED_JACOBIAN(-1),
    /** f(z) and J are finite but the QR iteration for rho did not converge (rho is NaN). */
    UNDEFINED_SPECTRUM(-1);

    /** The value written to stability.npy: 1 stable, 0 not stable, -1 undefined. */
    public final int code;

    LocalStability(int code) {
        this.code = code;
    }

    public boolean defined() {
        return code >= 0;
    }

    /** The class of a point from the finiteness of f(z) and J and the computed spectral radius. */
    static LocalStability classify(boolean fFinite, boolean jacobianFinite, float spectralRadius) {
        if (!fFinite) {
            return UNDEFINED_F;
        }
        if (!jacobianFinite) {
            return UNDEFINED_JACOBIAN;
        }
        if (Float.isNaN(spectralRadius)) {
            return UNDEFINED_SPECTRUM;
        }
        return spectralRadius < 1 ? STABLE : NOT_STABLE;
    }
}
