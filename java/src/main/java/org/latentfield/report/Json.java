package org.latentfield.report;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.latentfield.LatentfieldException;

/**
 * The JSON that latentfield writes (summaries, cards, logs, {@code --json}): standard JSON only.
 * A number that is not finite (NaN, +-Inf) has no JSON form; it is written as {@code null}, and
 * the document's top-level object states how many and where, in
 * {@code "non_finite_as_null": {"count": N, "fields": ["/json/pointer", ...]}} (RFC 6901
 * pointers, every one listed). Readers of latentfield's own files ({@link #read}) turn exactly
 * those nulls back into NaN, never into 0; other nulls (a setting that is not set) stay null.
 */
public final class Json {
    /** Where the count of nulled non-finite numbers is stated. */
    public static final String NON_FINITE = "non_finite_as_null";
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    /** A new empty object node. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Writes {@code node} (not modified) as indented standard JSON. */
    public static void write(Path file, JsonNode node) throws IOException {
        MAPPER.writeValue(file.toFile(), standard(node));
    }

    /** {@code node} as indented standard JSON text. */
    public static String text(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(standard(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Prints {@code node} on {@code out} (the {@code --json} output).
     *
     * @throws LatentfieldException when the stream could not take it (a closed pipe): the
     *                              result must not be lost silently
     */
    public static void print(PrintStream out, JsonNode node) {
        out.println(text(node));
        out.flush();
        if (out.checkError()) {
            throw new LatentfieldException("the JSON result could not be written to standard output (closed or full); "
                    + "the files in the output directory hold it.");
        }
    }

    /** Reads a JSON file written by latentfield; its nulled non-finite numbers become NaN (see the class comment). */
    public static JsonNode read(Path file) throws IOException {
        return restoreNaN(MAPPER.readTree(file.toFile()));
    }

    /** Parses JSON text. */
    public static JsonNode parse(String text) throws IOException {
        return MAPPER.readTree(text);
    }

    /** A copy of {@code node} with every non-finite number replaced by null and counted. */
    static JsonNode standard(JsonNode node) {
        List<String> paths = new ArrayList<>();
        int[] count = {0};
        JsonNode copy = node.deepCopy();
        JsonNode clean = scrub(copy, "", paths, count);
        if (count[0] > 0 && clean instanceof ObjectNode o) {
            ObjectNode note = o.putObject(NON_FINITE);
            note.put("count", count[0]);
            ArrayNode fields = note.putArray("fields");
            paths.forEach(fields::add);
        }
        return clean;
    }

    private static JsonNode scrub(JsonNode node, String path, List<String> paths, int[] count) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            count[0]++;
            paths.add(path);
            return MAPPER.nullNode();
        }
        if (node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                e.setValue(scrub(e.getValue(), path + "/" + e.getKey().replace("~", "~0").replace("/", "~1"), paths, count));
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, scrub(a.get(i), path + "/" + i, paths, count));
            }
        }
        return node;
    }

    private static JsonNode restoreNaN(JsonNode root) {
        for (JsonNode pointer : root.path(NON_FINITE).path("fields")) {
            JsonPointer p = JsonPointer.compile(pointer.asText());
            JsonNode parent = root.at(p.head());
            String last = p.last().getMatchingProperty();
            if (parent instanceof ObjectNode o && o.path(last).isNull()) {
                o.put(last, Double.NaN);
            } else if (parent instanceof ArrayNode a && p.last().getMatchingIndex() >= 0 && a.path(p.last().getMatchingIndex()).isNull()) {
                a.set(p.last().getMatchingIndex(), DoubleNode.valueOf(Double.NaN));
            }
        }
        return root;
    }
}
