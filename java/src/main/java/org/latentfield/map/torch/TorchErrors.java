package org.latentfield.map.torch;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cause of a LibTorch error in one line, without the C++ stack trace LibTorch appends.
 *
 * <p>Errors raised inside TorchScript start with "The following operation failed in the
 * TorchScript interpreter." and a TorchScript traceback; the real cause is the last
 * "SomethingError: ..." line (e.g. "RuntimeError: Expected 3D (unbatched) or 4D (batched) input
 * to conv_transpose2d, but got input of size: [2, 256]"), which is what this returns. Other
 * errors give their first meaningful line.
 */
final class TorchErrors {
    private static final Pattern RAISED = Pattern.compile("^\\s*(?:builtins\\.)?[A-Za-z_.]*(?:Error|Exception):\\s*(.+)$");
    private static final int MAX = 300;

    private TorchErrors() {}

    /** The cause of {@code e} in one line, without a trailing period. */
    static String cause(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        String[] lines = m.split("\n");
        if (m.contains("TorchScript interpreter") || m.contains("Traceback of TorchScript")) {
            for (int i = lines.length - 1; i >= 0; i--) {
                Matcher r = RAISED.matcher(lines[i]);
                if (r.matches() && !isTrace(lines[i])) {
                    return clean(r.group(1));
                }
            }
        }
        for (String line : lines) {
            String s = line.strip();
            if (!s.isEmpty() && !isTrace(s) && !s.startsWith("The following operation failed in the TorchScript interpreter")
                    && !s.startsWith("Traceback of TorchScript")) {
                return clean(s);
            }
        }
        return e.getClass().getSimpleName();
    }

    private static boolean isTrace(String line) {
        String s = line.strip();
        return s.startsWith("Exception raised from") || s.startsWith("frame #") || s.startsWith("File \"");
    }

    private static String clean(String line) {
        String s = line.strip().replaceAll("\\s+", " ");
        while (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.length() > MAX ? s.substring(0, MAX) + "..." : s;
    }
}
