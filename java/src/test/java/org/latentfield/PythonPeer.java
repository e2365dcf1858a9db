package org.latentfield;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Python with given modules (Debian's python3-torch, python3-sklearn) that runs a peer
 * script from the test resources. Tests that need it are skipped, saying which package to
 * install, where no such Python exists.
 */
public final class PythonPeer {
    /** The module of export recipes every script may import, copied beside it. */
    private static final String SHARED = "/sequentials.py";

    private final String python;
    private final String modules;

    private PythonPeer(String python, String modules) {
        this.python = python;
        this.modules = modules;
    }

    /** The first of /usr/bin/python3 and python3 that imports {@code modules} (e.g. "torch, numpy"). */
    public static PythonPeer find(String modules) {
        for (String candidate : new String[] {"/usr/bin/python3", "python3"}) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import " + modules).redirectErrorStream(true).start();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return new PythonPeer(candidate, modules);
                }
            } catch (IOException | InterruptedException e) {
                // try the next one
            }
        }
        return new PythonPeer(null, modules);
    }

    /** Whether such a Python was found. */
    public boolean available() {
        return python != null;
    }

    /** Skips the calling test unless the Python was found; {@code install} names the package. */
    public void require(String install) {
        assumeTrue(python != null, "no python3 with " + modules + ": peer comparison not run (apt-get install " + install + ")");
    }

    /** Copies resource {@code script} (and the shared {@code sequentials.py}) into {@code dir}, runs it with {@code args} and returns its last output line. */
    public String run(Path dir, String script, String... args) throws IOException, InterruptedException {
        assumeTrue(python != null, "no python3 with " + modules);
        Path file = dir.resolve(Path.of(script).getFileName().toString());
        try (InputStream in = PythonPeer.class.getResourceAsStream(script)) {
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        try (InputStream in = PythonPeer.class.getResourceAsStream(SHARED)) {
            Files.copy(in, dir.resolve(SHARED.substring(1)), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> cmd = new ArrayList<>(List.of(python, file.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), out);
        return out.substring(out.lastIndexOf('\n') + 1);
    }
}
