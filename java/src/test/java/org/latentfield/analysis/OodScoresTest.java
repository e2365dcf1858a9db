package org.latentfield.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.latentfield.data.Points;
import org.latentfield.data.StartPoints;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.dynamics.FixedPointSolver;
import org.latentfield.kernels.Device;
import org.latentfield.map.LatentMap;
import org.latentfield.kernels.NativeMatrix;

/** OOD scores on inputs with known answers. */
class OodScoresTest {
    @Test
    void mahalanobisIsAffineInvariantAndZeroAtTheMean() {
        Points train = StartPoints.gaussian(500, 3, 1.0, 1);
        Points test = StartPoints.gaussian(20, 3, 2.0, 2);
        double[] base = OodScores.mahalanobis(test, train);
        // z -> A z + c on both sets leaves the distance unchanged
        double[][] a = {{2, 1, 0}, {0, 1, -3}, {0.5, 0, 1}};
        double[] c = {10, -5, 3};
        double[] moved = OodScores.mahalanobis(transform(test, a, c), transform(train, a, c));
        for (int i = 0; i < 20; i++) {
            assertEquals(base[i], moved[i], 1e-4 * (1 + base[i]));
        }
        assertEquals(0, OodScores.mahalanobis(new Points(1, 3, train.meanFloat()), train)[0], 1e-5);
    }

    @Test
    void trajectoryScoreOfAHalvingMapIsTheMeanDistanceToTheOrigin() {
        // f(z) = z / 2: z_t = z_0 / 2^t, the only attractor is 0, so the score is mean_t ||z_0|| / 2^t
        LatentMap halving = halving();
        Points z0 = new Points(2, 2, new float[] {3, 4, 0, 1});
        FixedPointResult run = FixedPointSolver.solve(halving, z0, new FixedPointSolver.Options(1e-6, 100, 1e6, 8, 1));
        double[] score = OodScores.trajectory(run, new Points(1, 2, new float[2]), Device.CPU);
        for (int i = 0; i < 2; i++) {
            double norm = i == 0 ? 5 : 1, sum = 0;
            int t = run.iterations()[i];
            for (int s = 0; s <= t; s++) {
                sum += norm / Math.pow(2, s);
            }
            assertEquals(sum / (t + 1), score[i], 1e-6);
        }
        assertTrue(score[0] > score[1]);
        // its first term alone: ||z_0 - 0||
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {5, 1}, OodScores.attractorDistance(z0, new Points(1, 2, new float[2]), Device.CPU), 1e-6);
    }

    @Test
    void chunkedTrajectoryScoresEqualOneRunOverAllStarts() {
        LatentMap halving = halving();
        Points z0 = StartPoints.gaussian(37, 2, 3.0, 5);
        Points attractors = new Points(2, 2, new float[] {0, 0, 1, 1});
        FixedPointSolver.Options o = new FixedPointSolver.Options(1e-6, 100, 1e6, 8, 1);
        double[] whole = OodScores.trajectory(FixedPointSolver.solve(halving, z0, o), attractors, Device.CPU);
        double[] chunked = OodScores.trajectory(s -> FixedPointSolver.solve(halving, s, o), z0, attractors, 5, Device.CPU);
        org.junit.jupiter.api.Assertions.assertArrayEquals(whole, chunked, 0);
        assertEquals(1, OodScores.trajectoryChunk(Integer.MAX_VALUE - 1, 1024));
        assertEquals(OodScores.TRAJECTORY_BUDGET / (501 * 16), OodScores.trajectoryChunk(500, 16));
    }

    private static LatentMap halving() {
        return new LatentMap() {
            public int latentDim() {
                return 2;
            }

            public String device() {
                return "test";
            }

            public void apply(NativeMatrix in, NativeMatrix out, int rows) {
                float[] z = new float[rows * 2];
                in.getRows(0, z, 0, rows);
                for (int i = 0; i < z.length; i++) {
                    z[i] /= 2;
                }
                out.putRows(z, 0, 0, rows);
            }

            public void close() {}
        };
    }

    private static Points transform(Points p, double[][] a, double[] c) {
        float[] out = new float[p.n() * 3];
        for (int i = 0; i < p.n(); i++) {
            for (int r = 0; r < 3; r++) {
                double s = c[r];
                for (int j = 0; j < 3; j++) {
                    s += a[r][j] * p.get(i, j);
                }
                out[i * 3 + r] = (float) s;
            }
        }
        return new Points(p.n(), 3, out);
    }
}
