package org.latentfield.sparse;

import org.latentfield.LatentfieldException;
import org.latentfield.data.Points;
import org.latentfield.kernels.Device;
import org.latentfield.kernels.NativeOmp;

/**
 * Orthogonal Matching Pursuit for many signals at once (Batch-OMP, Rubinstein, Zibulevsky and
 * Elad 2008), used to reconstruct latent codes from a dictionary of attractors (PAPER.md
 * section 4.1).
 *
 * <p>For a signal x and atoms d_1..d_N (the dictionary's rows, of any norm: selection is
 * scale-invariant, comparing |&lt;d_j, r&gt;| / ||d_j||, so atoms of norm 1e20 are chosen as
 * those of norm 1, and coefficients refer to the atoms as given), OMP starts from the residual
 * r = x and repeats: pick j = argmax |&lt;d_j, r&gt;| / ||d_j|| over unselected atoms (ties: the
 * lower j; zero atoms are never picked), add it to the support I, set gamma = argmin ||x - sum_{i in I}
 * gamma_i d_i||_2 and r = x - D_I^T gamma; it stops after {@code atoms} atoms, when ||r||_2 &lt;=
 * {@code tol}, when no correlation is left, or when the next atom is linearly dependent on I.
 * The Gram matrix G = D D^T and all correlations D x come from GEMMs and gamma from a
 * progressive Cholesky factor of G_II, so a step costs O(N |I|) per signal. Atoms and signals must
 * be finite with norms within the float range; anything else is refused with a sentence naming
 * the row.
 */
public final class BatchOmp {
    private BatchOmp() {}

    /**
     * @param atoms  the most atoms per signal, S >= 1 (at most the dictionary size)
     * @param tol    stop once the residual norm is at most tol (0: only the atom count stops)
     * @param device where the kernel runs
     */
    public record Options(int atoms, double tol, Device device) {
        public Options {
            if (atoms < 1) {
                throw new LatentfieldException("--atoms must be >= 1, got " + atoms + ".");
            }
            if (!(tol >= 0) || Double.isInfinite(tol)) {
                throw new LatentfieldException("--tol must be finite and >= 0, got " + tol + ".");
            }
        }
    }

    /**
     * Sparse codes of the signals.
     *
     * @param support  signals x S atom indices in selection order, -1 once a signal stopped early
     * @param coef     signals x S coefficients (0 once stopped)
     * @param residual per signal, ||x - D_I^T gamma||_2 recomputed in double
     */
    public record Result(int atoms, int signals, int[] support, float[] coef, float[] residual) {
        /** Number of atoms signal i actually used. */
        public int used(int i) {
            int s = 0;
            while (s < atoms && support[i * atoms + s] >= 0) {
                s++;
            }
            return s;
        }

        /** sum_s coef_s d_{support_s} for every signal: the reconstructions, signals x dim. */
        public Points reconstruct(Points dictionary) {
            int dim = dictionary.dim();
            float[] out = new float[signals * dim];
            float[] d = dictionary.data();
            for (int i = 0; i < signals; i++) {
                for (int s = 0; s < atoms && support[i * atoms + s] >= 0; s++) {
                    int a = support[i * atoms + s];
                    float c = coef[i * atoms + s];
                    for (int j = 0; j < dim; j++) {
                        out[i * dim + j] += c * d[a * dim + j];
                    }
                }
            }
            return new Points(signals, dim, out);
        }
    }

    /** Codes every row of {@code signals} over the rows of {@code dictionary}. */
    public static Result solve(Points dictionary, Points signals, Options options) {
        if (dictionary.dim() != signals.dim()) {
            throw new LatentfieldException("the dictionary's atoms have " + dictionary.dim() + " dimensions but the signals have "
                    + signals.dim() + "; both must be rows of the same space.");
        }
        if (dictionary.n() < 1) {
            throw new LatentfieldException("the dictionary holds no atoms.");
        }
        if (options.atoms() > dictionary.n()) {
            throw new LatentfieldException("--atoms " + options.atoms() + " exceeds the dictionary's " + dictionary.n() + " atoms.");
        }
        requireFinite(dictionary, "dictionary");
        requireFinite(signals, "signals");
        NativeOmp.Codes c = NativeOmp.solve(dictionary.data(), signals.data(), dictionary.dim(), options.atoms(), options.tol(),
                options.device());
        return new Result(options.atoms(), signals.n(), c.support(), c.coef(), c.residual());
    }

    private static void requireFinite(Points p, String what) {
        float[] d = p.data();
        for (int i = 0; i < d.length; i++) {
            if (!Float.isFinite(d[i])) {
                throw new LatentfieldException("the " + what + " hold a non-finite value at row " + i / p.dim() + ", column "
                        + i % p.dim() + ".");
            }
        }
        // liblf refuses these too (lf_omp_cpu in lf.h): their float correlations would overflow
        for (int row = 0; row < p.n(); row++) {
            double sq = 0;
            for (int j = 0; j < p.dim(); j++) {
                double v = d[row * p.dim() + j];
                sq += v * v;
            }
            if (Math.sqrt(sq) > Float.MAX_VALUE) {
                throw new LatentfieldException(String.format(java.util.Locale.ROOT,
                        "row %d of the %s has norm %.3g, beyond the float range (%.3g); rescale the %s.", row, what, Math.sqrt(sq),
                        (double) Float.MAX_VALUE, what));
            }
        }
    }
}
