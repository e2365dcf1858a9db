package org.latentfield.mining;

import java.io.IOException;
import java.util.function.LongConsumer;
import org.latentfield.LatentfieldException;
import org.latentfield.data.Points;
import org.latentfield.data.StartStream;
import org.latentfield.dynamics.AttractorRule;
import org.latentfield.dynamics.AttractorSet;
import org.latentfield.dynamics.FixedPointResult;
import org.latentfield.map.LatentMap;
import org.latentfield.report.OutputDirectory;
import org.latentfield.report.RunFiles;

/**
 * Attractor mining in bounded memory: the starts are taken chunk by chunk from a
 * {@link StartStream}, each chunk is iterated, its converged endpoints are clustered after the
 * fixed points already known ({@link AttractorRule#cluster}) and merged into an online
 * {@link AttractorSet}, and its per-start arrays are appended to their files ({@link RunFiles}).
 * Memory is O(chunk x k + fixed points x k), whatever the number of starts; time is linear in it.
 * Because every start is compared with the known fixed points in creation order before the
 * chunk's own, the clustering is the one of the whole run at once. What the chunk size can
 * change is float rounding: an engine's GEMMs see other batch shapes, which moves some
 * endpoints by a few ulps and some iteration counts by a step (fmnist-conv-k16, 2000 starts in
 * one chunk or eight: the same basins for every start, attractors within 4e-7 relative).
 *
 * <p>After every chunk the files are flushed and a {@link Checkpoint} is saved in the staging
 * directory (its cost, O(fixed points x k), is small beside a chunk's iteration); a run staged
 * with {@link OutputDirectory#stageResumable} and resumed continues after the last completed chunk.
 */
public final class StreamingMiner {
    private StreamingMiner() {}

    /** Which per-start arrays a run keeps: all, or (for very large runs) all but starts.npy and endpoints.npy. */
    public enum Keep { ALL, SUMMARY }

    /** Iterates one chunk of starts (reporting finished starts to {@code progress}). */
    @FunctionalInterface
    public interface ChunkSolver {
        FixedPointResult solve(Points starts, LongConsumer progress);
    }

    /**
     * @param chunk       starts per chunk
     * @param keep        which per-start arrays are written
     * @param slots       trajectory slots per start (0: none recorded)
     * @param fingerprint the run's settings and model, to tell whether a partial run is this one
     */
    public record Options(int chunk, Keep keep, int slots, String fingerprint) {
        public Options {
            if (chunk < 1) {
                throw new LatentfieldException("--chunk must be a positive integer, got " + chunk + ".");
            }
        }

        /**
         * The default chunk: about 4 Mi values of starts and recorded trajectories (16 MiB),
         * between one batch and 65536 starts.
         */
        public static int defaultChunk(int k, int batch, int slots) {
            return (int) Math.max(batch, Math.min(1 << 16, (1L << 22) / ((long) k * (1 + slots))));
        }
    }

    /**
     * @param tally        the per-start facts of the whole run
     * @param catalog      its attractors and other fixed points
     * @param set          the online set they came from
     * @param cosineCount  identity rule: the number of attractors the paper's cosine rule finds
     *                     on the same endpoints; -1 for the endpoint rules
     * @param resumedAt    starts that an earlier run had done (0 for a fresh run)
     * @param chunks       chunks this run iterated
     */
    public record Outcome(RunTally tally, AttractorSet.Catalog catalog, AttractorSet set, int cosineCount, long resumedAt, int chunks) {}

    /** Refuses a run whose files cannot fit the free space of the output's file system, before it starts. */
    private static void checkSpace(OutputDirectory dir, long n, int k, Options o) {
        double perStart = 4 + 1 + 4 + 4 + 4 + 4 + (o.keep() == Keep.ALL ? 2.0 * k * 4 : 0) + (double) o.slots() * k * 4;
        double needed = n * perStart;
        long free;
        try {
            free = java.nio.file.Files.getFileStore(dir.staging()).getUsableSpace();
        } catch (IOException e) {
            return; // unknown: the writes will say so
        }
        if (needed > free) {
            throw new LatentfieldException(String.format(java.util.Locale.ROOT, "the results of %d starts of dimension %d%s need %.1f GiB, more"
                    + " than the %.1f GiB free where %s is written; lower --samples%s.", n, k,
                    o.slots() > 0 ? " with " + o.slots() + " recorded steps each" : "", needed / (1L << 30), free / (double) (1L << 30),
                    dir.target(), o.slots() > 0 ? " or raise --record-every" : o.keep() == Keep.ALL ? " or use --keep summary" : ""));
        }
    }

    /**
     * Mines {@code starts} into {@code dir} (its staged files; the caller writes summary.json
     * and commits).
     *
     * @throws LatentfieldException when a resumed partial run was started with other settings
     */
    public static Outcome mine(StartStream starts, ChunkSolver solver, AttractorRule rule, LatentMap map, Options o, OutputDirectory dir,
                               LongConsumer progress) {
        long n = starts.count();
        int k = starts.dim();
        MiningState state = new MiningState(rule, k);
        boolean keepPoints = o.keep() == Keep.ALL;
        long done = 0;
        RunFiles files;
        try {
            Checkpoint cp = dir.resumed() ? Checkpoint.read(dir.staging()) : null;
            if (cp != null) {
                if (!cp.fingerprint().equals(o.fingerprint())) {
                    throw new LatentfieldException("the partial run in " + dir.staging() + " was started with other settings or another model ("
                            + cp.fingerprint() + "); run without --resume to start over.");
                }
                done = cp.done();
                state.restore(cp.state());
            }
            files = RunFiles.reopen(dir, n, k, o.slots(), keepPoints, done, cp == null ? null : cp.float64());
        } catch (IOException e) {
            throw new LatentfieldException("the partial run in " + dir.staging() + " cannot be resumed (" + e.getMessage()
                    + "); run without --resume to start over.", e);
        }
        if (done == 0) {
            checkSpace(dir, n, k, o);
        }
        long resumedAt = done;
        progress.accept(done);
        int chunks = 0;
        try (files) {
            while (done < n) {
                int rows = (int) Math.min(o.chunk(), n - done);
                MiningState.Chunk c = state.mine(starts, done, rows, solver, map, progress);
                files.append(c.result(), c.ids());
                done += rows;
                chunks++;
                files.flush();
                new Checkpoint(o.fingerprint(), done, files.float64(), state.save()).write(dir.staging());
                dir.keepPartial();
            }
            AttractorSet.Catalog catalog = state.set().catalog();
            files.finish(catalog, rule instanceof AttractorRule.Identity);
            Checkpoint.delete(dir.staging());
            return new Outcome(state.tally(), catalog, state.set(), state.cosineCount(), resumedAt, chunks);
        } catch (IOException e) {
            throw dir.couldNotReceive(e);
        }
    }
}
