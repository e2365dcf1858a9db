package org.latentfield.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import org.latentfield.dynamics.AttractorRule;
import org.latentfield.dynamics.FixedPointPolish;

/** {@code --merge} and {@code --polish-tol}: how a command's converged endpoints become attractors. */
final class MergeOption {
    private MergeOption() {}

    static void add(Options o) {
        o.addOption(Option.builder().longOpt("merge").hasArg().argName("identity|cosine:T|euclidean:R")
                .desc("when two endpoints are the same attractor. identity (default): each endpoint is polished to relative residual"
                        + " --polish-tol, classified from the eigenvalues of J there (only attractors get basins), and fixed points whose"
                        + " error balls r / min|1 - lambda| touch are one. cosine:T is the paper's rule (cosine similarity > T, e.g."
                        + " cosine:0.99), euclidean:R merges endpoints closer than R").build());
        o.addOption(Option.builder().longOpt("polish-tol").hasArg().argName("T")
                .desc("identity rule: polish endpoints until ||f(z) - z|| <= T max(1, ||z||) (default 1e-9 for float64 models; float32"
                        + " models are held to their floor 1e-6, and the summary says so)").build());
    }

    /** The rule the options name; the identity rule by default. */
    static AttractorRule parse(CommandLine cl) throws ParseException {
        String spec = cl.getOptionValue("merge", "identity");
        AttractorRule rule = AttractorRule.parse(spec);
        if (!cl.hasOption("polish-tol")) {
            return rule;
        }
        if (!(rule instanceof AttractorRule.Identity id)) {
            throw new LatentfieldException("--polish-tol applies to --merge identity only, not to " + spec + ".");
        }
        if (spec.contains(":")) {
            throw new LatentfieldException("give the polishing tolerance once: --merge " + spec + " or --polish-tol, not both.");
        }
        double tol = Args.real(cl, "polish-tol", FixedPointPolish.DEFAULT_TOL);
        return new AttractorRule.Identity(tol, id.maxSteps());
    }
}
