package org.latentfield.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The report's line for a jacobian step, also when some or all points are undefined (issue 11). */
class ReproductionReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jacobianHeadlineCountsUndefinedPointsApart() throws Exception {
        String some = "{'count': 5, 'stable': 3, 'not_stable': 1, 'undefined': 1, 'contractive': 2,"
                + " 'spectral_norm': {'median': 0.9, 'not_finite': 1}, 'spectral_radius': {'median': 0.5, 'not_finite': 1}}";
        assertEquals("3 of 5 attractors stable (rho < 1), 2 contractive (||J||_2 < 1), 1 undefined (f(z) or J not finite);"
                + " ||J||_2 median 0.900, rho median 0.500.", ReproductionReport.headline("jacobian", JSON.readTree(some.replace('\'', '"'))));
        // every point undefined: the distributions have no median (the old line threw a NullPointerException)
        String all = "{'count': 2, 'stable': 0, 'not_stable': 0, 'undefined': 2, 'contractive': 0,"
                + " 'spectral_norm': {'not_finite': 2}, 'spectral_radius': {'not_finite': 2}}";
        assertEquals("0 of 2 attractors stable (rho < 1), 0 contractive (||J||_2 < 1), 2 undefined (f(z) or J not finite); no finite spectra.",
                ReproductionReport.headline("jacobian", JSON.readTree(all.replace('\'', '"'))));
    }
}
