package org.latentfield.dynamics;

/**
 * What kind of fixed point z* of f is, from the moduli |lambda_i| of the eigenvalues of
 * J = J_f(z*) (issue 12). With the margin {@link #MARGIN} = 1e-6:
 * <ul>
 *   <li>{@link #NON_HYPERBOLIC}: some ||lambda_i| - 1| &lt;= 1e-6 (linearisation decides nothing);</li>
 *   <li>{@link #ATTRACTOR}: otherwise, every |lambda_i| &lt; 1, i.e. rho(J) &lt; 1;</li>
 *   <li>{@link #REPELLER}: every |lambda_i| &gt; 1;</li>
 *   <li>{@link #SADDLE}: some above 1, some below;</li>
 *   <li>{@link #UNDEFINED}: the spectrum is not known (no Jacobian, a NaN/Inf entry, QR failed):
 *       never counted as an attractor.</li>
 * </ul>
 * The codes are those of {@code fixed_point_kind.npy}.
 */
public enum FixedPointKind {
    ATTRACTOR(0), SADDLE(1), REPELLER(2), NON_HYPERBOLIC(3), UNDEFINED(4);

    /** |lambda| within this of 1 is treated as on the unit circle. */
    public static final double MARGIN = 1e-6;

    private final int code;

    FixedPointKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The name used in summary.json and tables, e.g. "non-hyperbolic". */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** The kind from the eigenvalue moduli {@code moduli[from .. from + k)}. */
    public static FixedPointKind classify(float[] moduli, int from, int k) {
        boolean below = false, above = false;
        for (int i = from; i < from + k; i++) {
            double m = moduli[i];
            if (!Double.isFinite(m)) {
                return UNDEFINED;
            }
            if (Math.abs(m - 1) <= MARGIN) {
                return NON_HYPERBOLIC;
            }
            below |= m < 1;
            above |= m > 1;
        }
        if (k == 0) {
            return UNDEFINED;
        }
        return above ? (below ? SADDLE : REPELLER) : ATTRACTOR;
    }
}
