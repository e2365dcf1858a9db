package org.latentfield.map.torch;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.latentfield.report.FileDigest;
import org.latentfield.report.Json;

/**
 * Checks a model file against the sha256 its card ({@code model.pt} -> {@code model.json})
 * records. A mismatch is not an error (a retrained or edited model keeps its old card), but the
 * card's shapes and training facts may then describe another model, so the user is told.
 */
final class CardDigest {
    private CardDigest() {}

    /** A warning when the card records a sha256 that the file's bytes do not have; empty otherwise. */
    static Optional<String> mismatch(Path archive) {
        Path card = ShapeDeclarations.cardOf(archive);
        if (!Files.isRegularFile(card)) {
            return Optional.empty();
        }
        JsonNode recorded;
        try {
            recorded = Json.read(card).get("sha256");
        } catch (IOException e) {
            return Optional.empty(); // the shape declarations report an unreadable card
        }
        if (recorded == null || !recorded.isTextual()) {
            return Optional.empty();
        }
        String actual = FileDigest.sha256(archive);
        if (actual.equalsIgnoreCase(recorded.asText().strip())) {
            return Optional.empty();
        }
        return Optional.of("warning: model file " + archive + " does not match its card " + card + " (sha256 " + actual.substring(0, 12)
                + "... against the card's " + abbreviated(recorded.asText()) + "); the card's shapes and training facts may describe another model");
    }

    private static String abbreviated(String digest) {
        String d = digest.strip();
        return d.length() > 12 ? d.substring(0, 12) + "..." : "'" + d + "'";
    }
}
