package org.latentfield.dynamics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.latentfield.data.Points;

/** Deduplication rules on hand-made endpoints. */
class AttractorsTest {
    private static FixedPointResult result(float[] endpoints, PointState[] states, float[] stepSq, int[] iterations) {
        int n = states.length;
        int k = endpoints.length / n;
        return new FixedPointResult(new Points(n, k, new float[n * k]), new Points(n, k, endpoints), iterations, states, stepSq, null, 0,
                FixedPointSolver.Options.defaults(), 1.0);
    }

    @Test
    void cosineRuleIsScaleBlindEuclideanIsNot() {
        float[] end = {1, 0, 2, 0.001f, 0, 1, 5, 5};
        PointState c = PointState.CONVERGED;
        var r = result(end, new PointState[] {c, c, c, PointState.NOT_CONVERGED}, new float[] {1e-7f, 1e-8f, 1e-7f, 1f}, new int[] {10, 20, 30, 99});
        Attractors cos = Attractors.find(r, MergeRule.paperDefault());
        assertEquals(2, cos.count(), "(1,0) and (2,0.001) merge under cosine");
        assertArrayEquals(new int[] {0, 0, 1, -1}, cos.basin());
        assertEquals(2, cos.attractors().get(0).basinSize());
        assertEquals(15.0, cos.attractors().get(0).meanIterations(), 1e-12);
        assertArrayEquals(new float[] {2, 0.001f}, cos.attractors().get(0).point(), "best-converged member represents");
        Attractors euc = Attractors.find(r, new MergeRule.Euclidean(0.5));
        assertEquals(3, euc.count());
    }

    @Test
    void originIsItsOwnAttractorUnderCosine() {
        MergeRule rule = MergeRule.paperDefault();
        float[] a = {1e-4f, 0}, b = {0, -2e-4f}, c = {1, 0};
        assertTrue(rule.same(a, 0, b, 0, 2));
        assertFalse(rule.same(a, 0, c, 0, 2));
        assertEquals("cosine:0.99", rule.spec());
        assertEquals(new MergeRule.Euclidean(0.25), MergeRule.parse("euclidean:0.25"));
        assertEquals(new MergeRule.Cosine(0.95, 0.01), MergeRule.parse("cosine:0.95:0.01"));
    }

    @Test
    void largestBasinFirst() {
        PointState c = PointState.CONVERGED;
        float[] end = {1, 0, 0, 1, 0, 1, 0, 1};
        var r = result(end, new PointState[] {c, c, c, c}, new float[4], new int[] {1, 2, 3, 4});
        Attractors at = Attractors.find(r, MergeRule.paperDefault());
        assertArrayEquals(new int[] {1, 0, 0, 0}, at.basin());
        assertEquals(3, at.attractors().get(0).basinSize());
    }
}
