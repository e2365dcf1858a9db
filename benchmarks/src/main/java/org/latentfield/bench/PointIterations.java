package org.latentfield.bench;

import org.latentfield.dynamics.FixedPointResult;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH auxiliary counter of the useful work of a fixed-point run: the sum over points of their
 * iteration counts, the same for every method on the same starts, so its rate is comparable.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class PointIterations {
    public long pointIterations;

    @Setup(Level.Iteration)
    public void reset() {
        pointIterations = 0;
    }

    /** Adds the work of {@code r} and returns it, for the Blackhole. */
    FixedPointResult count(FixedPointResult r) {
        pointIterations += r.pointIterations();
        return r;
    }
}
