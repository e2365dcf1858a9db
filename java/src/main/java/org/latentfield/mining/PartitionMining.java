package org.latentfield.mining;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.latentfield.data.StartStream;
import org.latentfield.dynamics.AttractorRule;
import org.latentfield.map.LatentMap;

/**
 * One partition of a distributed mining run: the starts {@code first .. first + count - 1}
 * iterated chunk by chunk ({@link Cursor}) into the partition's own {@link MiningState}, each
 * chunk's starts with their fixed-point ids in that state. The driver merges the partitions'
 * states in partition order ({@link MiningState#merge}) and maps the ids to global basins.
 * Within a partition the clustering is the single-machine one; across partitions fixed points
 * are matched by their representatives, which is the same wherever representatives of one
 * fixed point are closer than the rule's radius (always, for the separated attractors of the
 * shipped models).
 */
public final class PartitionMining {
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private PartitionMining() {}

    /**
     * What a partition found, for the driver.
     *
     * @param engine what evaluated f, as summary.json's settings.engine says it
     * @param check  the last native run check, or null
     * @param jvm    the JVM that mined it, as PID@HOST
     */
    public record Summary(int partition, long first, long count, MiningState.Saved state, String engine, String check, String jvm) {
        /** This JVM as PID@HOST. */
        public static String thisJvm() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "unknown";
            }
            return ProcessHandle.current().pid() + "@" + host;
        }

        /** As JSON (doubles round-trip exactly; NaN and infinities as strings). */
        public String toJson() {
            try {
                return JSON.writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a partition summary could not be written as JSON", e);
            }
        }

        public static Summary fromJson(String json) {
            try {
                return JSON.readValue(json, Summary.class);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a partition summary could not be read: " + e.getOriginalMessage(), e);
            }
        }
    }

    /**
     * A partition mined one chunk per {@link #next()}, so that a caller streaming rows out (a
     * Spark task's iterator) holds one chunk at a time.
     */
    public static final class Cursor {
        private final StartStream starts;
        private final long first;
        private final long count;
        private final int chunk;
        private final StreamingMiner.ChunkSolver solver;
        private final LatentMap map;
        private final MiningState state;
        private long done;
        private MiningState.Chunk last;

        public Cursor(StartStream starts, long first, long count, int chunk, StreamingMiner.ChunkSolver solver, AttractorRule rule, LatentMap map) {
            this.starts = starts;
            this.first = first;
            this.count = count;
            this.chunk = chunk;
            this.solver = solver;
            this.map = map;
            this.state = new MiningState(rule, starts.dim());
        }

        public boolean hasNext() {
            return done < count;
        }

        /** Mines the next chunk; returns the index of its first start ({@link #last()} holds it). */
        public long next() {
            int rows = (int) Math.min(chunk, count - done);
            long at = first + done;
            last = state.mine(starts, at, rows, solver, map, d -> { });
            done += rows;
            return at;
        }

        public MiningState.Chunk last() {
            return last;
        }

        public MiningState state() {
            return state;
        }
    }
}
