package org.latentfield.map.torch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.JitModule;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.map.Shape;

/**
 * What a model says about its shapes, from three places in this order: attributes of the module
 * ({@code latent_shape: List[int]}, {@code latent_dim: int}, {@code input_shape: List[int]}),
 * the JSON model card next to the archive ({@code model.pt} -> {@code model.json}; for a pair,
 * next to the encoder and next to the decoder) with the same keys, and the user's options. All
 * declarations must agree; the first one found is the answer, and a later one that contradicts
 * it is an error naming both. A flat declaration ({@code latent_dim = k}, {@code --latent-dim k},
 * a one-element list) fixes only the number of values, so it agrees with any shape of k values;
 * the arrangement then comes from a multi-dimensional declaration or from what encode returns.
 */
final class ShapeDeclarations {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private ShapeDeclarations() {}

    /** A declared shape and where it came from. */
    record Declared(Shape shape, String source, boolean isLatent) {
        /** A flat latent declaration fixes the number of values, not their arrangement. */
        boolean countOnly() {
            return isLatent && shape.isFlat();
        }

        boolean agrees(Declared other) {
            return countOnly() || other.countOnly() ? shape.size() == other.shape.size() : shape.equals(other.shape);
        }

        String claim() {
            return source + " says " + shape;
        }
    }

    /** The latent declarations of the modules, cards and user, checked for agreement; the first (most specific) one or empty. */
    static Optional<Declared> latent(List<JitModule> modules, List<Path> archives, Optional<Shape> user) {
        List<Declared> all = new ArrayList<>();
        for (int i = 0; i < modules.size(); i++) {
            intList(modules.get(i), "latent_shape", archives.get(i)).ifPresent(s -> all.add(new Declared(s, "module attribute latent_shape", true)));
            intAttr(modules.get(i), "latent_dim", archives.get(i)).ifPresent(k -> all.add(new Declared(Shape.of(k), "module attribute latent_dim", true)));
        }
        for (Path archive : archives) {
            Path card = cardOf(archive);
            cardShape(card, "latent_shape").ifPresent(s -> all.add(new Declared(s, "model card " + card, true)));
            cardShape(card, "latent_dim").ifPresent(s -> all.add(new Declared(s, "model card " + card, true)));
        }
        user.ifPresent(s -> all.add(new Declared(s, "--latent-shape/--latent-dim", true)));
        return agreed(all, "latent");
    }

    /** The input-shape declarations of the modules, cards and user, checked for agreement. */
    static Optional<Declared> input(List<JitModule> modules, List<Path> archives, Optional<Shape> user) {
        List<Declared> all = new ArrayList<>();
        for (int i = 0; i < modules.size(); i++) {
            intList(modules.get(i), "input_shape", archives.get(i)).ifPresent(s -> all.add(new Declared(s, "module attribute input_shape", false)));
        }
        for (Path archive : archives) {
            Path card = cardOf(archive);
            cardShape(card, "input_shape").ifPresent(s -> all.add(new Declared(s, "model card " + card, false)));
        }
        user.ifPresent(s -> all.add(new Declared(s, "--input-shape", false)));
        return agreed(all, "input");
    }

    private static Optional<Declared> agreed(List<Declared> all, String what) {
        if (all.isEmpty()) {
            return Optional.empty();
        }
        Declared first = all.stream().filter(d -> !d.countOnly()).findFirst().orElse(all.get(0));
        for (Declared d : all) {
            if (!d.agrees(first) && d.source().startsWith("--")) {
                throw new LatentfieldException(d.source() + " " + d.shape() + " does not match the model: " + first.claim()
                        + "; drop the option or correct it.");
            }
            if (!d.agrees(first)) {
                throw new LatentfieldException("the " + what + " shape is declared twice and differently: " + first.claim() + " but "
                        + d.claim() + "; correct or remove one of them.");
            }
        }
        return Optional.of(first);
    }

    /** The model card of {@code model.pt} is {@code model.json} in the same directory. */
    static Path cardOf(Path model) {
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return model.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".json");
    }

    private static Optional<Shape> intList(JitModule m, String name, Path archive) {
        if (!m.hasattr(name)) {
            return Optional.empty();
        }
        try (PointerScope scope = new PointerScope()) {
            IValue v = m.attr(name);
            if (!v.isIntList()) {
                throw new LatentfieldException("model file " + archive + " has an attribute " + name + " of type " + v.tagKind().getString()
                        + "; expected a list of positive integers (List[int]).");
            }
            long[] dims = v.toIntVector().get();
            return Optional.of(checked(dims, "model file " + archive + " declares " + name));
        }
    }

    private static Optional<Integer> intAttr(JitModule m, String name, Path archive) {
        if (!m.hasattr(name)) {
            return Optional.empty();
        }
        try (PointerScope scope = new PointerScope()) {
            IValue v = m.attr(name);
            if (v.isIntList()) {
                return Optional.of(checked(v.toIntVector().get(), "model file " + archive + " declares " + name).size());
            }
            if (!v.isInt()) {
                throw new LatentfieldException("model file " + archive + " has an attribute " + name + " of type " + v.tagKind().getString()
                        + "; expected a positive integer.");
            }
            return Optional.of(checked(new long[] {v.toInt()}, "model file " + archive + " declares " + name).size());
        }
    }

    private static Shape checked(long[] dims, String claim) {
        for (long d : dims) {
            if (d < 1 || d > Integer.MAX_VALUE) {
                throw new LatentfieldException(claim + " = " + java.util.Arrays.toString(dims) + "; expected positive integers.");
            }
        }
        if (dims.length == 0) {
            throw new LatentfieldException(claim + " = []; expected at least one positive integer.");
        }
        try {
            return Shape.of(dims);
        } catch (IllegalArgumentException e) {
            throw new LatentfieldException(claim + " = " + java.util.Arrays.toString(dims) + ", more values than one row can hold.");
        }
    }

    private static Optional<Shape> cardShape(Path card, String key) {
        if (!Files.isRegularFile(card)) {
            return Optional.empty();
        }
        JsonNode node;
        try {
            node = JSON.readTree(card.toFile()).get(key);
        } catch (IOException e) {
            throw new LatentfieldException("model card " + card + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse("") + ".", e);
        }
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        String claim = "model card " + card + " has " + key;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return Optional.of(checked(new long[] {node.asLong()}, claim));
        }
        if (node.isArray()) {
            long[] dims = new long[node.size()];
            for (int i = 0; i < dims.length; i++) {
                if (!node.get(i).isIntegralNumber()) {
                    throw new LatentfieldException(claim + " = " + node + "; expected a positive integer or a list of them.");
                }
                dims[i] = node.get(i).asLong();
            }
            return Optional.of(checked(dims, claim));
        }
        throw new LatentfieldException(claim + " = " + node + "; expected a positive integer or a list of them.");
    }
}
