package org.latentfield.map;

import java.lang.management.ManagementFactory;
import org.latentfield.LatentfieldException;

/**
 * Refuses, before allocating, an allocation that cannot fit this machine: more bytes than its
 * physical memory (the container's limit where there is one, as the JVM reports it). The
 * message names what asked for the memory, so a mistyped shape or batch size is one sentence
 * instead of an out-of-memory error after minutes of swapping.
 */
public final class MemoryBudget {
    private MemoryBudget() {}

    /** Physical memory of the machine (or container) in bytes; Long.MAX_VALUE when unknown. */
    public static long physicalBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            return total > 0 ? total : Long.MAX_VALUE;
        }
        return Long.MAX_VALUE;
    }

    /**
     * Checks that {@code count} values of {@code bytesEach} bytes fit.
     *
     * @param what what needs them, e.g. "the 8-row probe of the latent shape [2147483647] (module attribute latent_dim)"
     * @throws LatentfieldException naming {@code what}, the bytes and the memory here
     */
    public static void require(double count, int bytesEach, String what) {
        double bytes = count * bytesEach;
        long physical = physicalBytes();
        if (bytes > physical) {
            throw new LatentfieldException(what + " needs " + gib(bytes) + " GiB, more than the " + gib(physical) + " GiB of memory here.");
        }
    }

    private static String gib(double bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / (1L << 30));
    }
}
