package org.latentfield.map.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every class of map.torch that touches LibTorch extracts the engine's libraries first (its
 * static initializer calls NativeLibraries.prepare()), whichever of them a program reaches first:
 * otherwise the first run on a machine with Debian's LibTorch crashes (issue 11, ColdStartTest).
 */
class NativeLibrariesFirstTest {
    private static final String PREPARE = "    static {\n        NativeLibraries.prepare();";

    @Test
    void everyClassThatUsesLibTorchPreparesTheLibrariesFirst() throws IOException {
        Path sources = Path.of("src", "main", "java", "org", "latentfield", "map", "torch");
        assertTrue(Files.isDirectory(sources), sources.toAbsolutePath().toString());
        List<String> missing;
        long users;
        try (Stream<Path> files = Files.list(sources)) {
            List<Path> torchUsers = files.filter(f -> f.toString().endsWith(".java")).filter(f -> read(f).contains("import org.bytedeco.pytorch")).toList();
            users = torchUsers.size();
            missing = torchUsers.stream().filter(f -> !read(f).contains(PREPARE)).map(f -> f.getFileName().toString()).toList();
        }
        assertTrue(users >= 10, "found the LibTorch users: " + users);
        assertEquals(List.of(), missing, "classes that use org.bytedeco.pytorch without a static block calling NativeLibraries.prepare()");
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
