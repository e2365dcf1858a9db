package org.latentfield.mining;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where a streamed run stands after its last completed chunk, saved beside its partial files so
 * that {@code --resume} continues from there: the run's fingerprint (its settings and model;
 * a run with others does not resume it), the starts done, the endpoint dtype, the tally and the
 * fixed points known (with the comparison set of the paper's rule). Written to a temporary file
 * and renamed over the old one, so a kill leaves either the old or the new checkpoint.
 */
record Checkpoint(String fingerprint, long done, Boolean float64, MiningState.Saved state) {
    static final String FILE = ".checkpoint.json";

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    void write(Path dir) throws IOException {
        Path tmp = dir.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The checkpoint in {@code dir}, or null when there is none (a run stopped before its first chunk). */
    static Checkpoint read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        return Files.isRegularFile(f) ? JSON.readValue(f.toFile(), Checkpoint.class) : null;
    }

    static void delete(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(FILE));
        Files.deleteIfExists(dir.resolve(FILE + ".tmp"));
    }
}
