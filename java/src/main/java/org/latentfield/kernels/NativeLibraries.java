package org.latentfield.kernels;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarEntry;
import org.bytedeco.javacpp.ClassProperties;
import org.bytedeco.javacpp.Loader;

/**
 * Puts every native library of the engine into the JavaCPP cache before the first of them is
 * loaded, so that the first run on a machine loads the same files as the hundredth.
 *
 * <p>Why: JavaCPP extracts a preset's libraries from its jar one at a time, each just before it
 * loads it, in the order the preset lists them. The PyTorch preset links {@code c10, torch,
 * torch_cpu} in that order, and {@code libtorch.so} needs {@code libtorch_cpu.so}. With an
 * empty cache, {@code libtorch.so} is loaded while {@code libtorch_cpu.so} is still in the jar,
 * so its {@code $ORIGIN} run path finds nothing and the dynamic linker takes the first
 * {@code libtorch_cpu.so} of the system's search path. Where Debian's python3-torch is
 * installed (it brings libtorch-dev) that is LibTorch 1.13 from /usr/lib/x86_64-linux-gnu,
 * which drags in its own libc10.so.1.13; JavaCPP then loads the bundled LibTorch 2.10 as well,
 * and the two copies' static initializers crash the JVM (SIGSEGV/SIGABRT in
 * {@code pthread_mutex_lock}). Once the cache is full every library finds its siblings beside
 * it, which is why the second run worked. (The preset's CUDA build lists {@code c10_cuda} and
 * {@code torch_cuda} before {@code c10}, which they presumably need: the same hazard.)
 *
 * <p>{@link #prepare()} extracts, without loading anything, each library that the presets the
 * engine uses (LibTorch, both OpenBLAS flavours, liblf) declare and hold in their jars; a
 * library that JavaCPP takes from the system anyway (a CUDA runtime under a preload path, or
 * every library when the user sets {@code org.bytedeco.javacpp.pathsFirst}) is left to JavaCPP
 * as before. The engine calls it before any of its classes touches native
 * code: {@code LfNative}, {@link NativeKernels} and every class of {@code map.torch}. Code that
 * uses {@code org.bytedeco.pytorch} directly before any engine class should call it first too.
 */
public final class NativeLibraries {
    /** The presets the engine loads, by name so that none of them is initialized here. */
    private static final List<String> PRESETS = List.of(
            "org.bytedeco.openblas.global.openblas_nolapack",
            "org.bytedeco.openblas.global.openblas",
            "org.bytedeco.pytorch.global.torch",
            "org.latentfield.kernels.LfNative");

    private static boolean prepared;

    private NativeLibraries() {}

    /**
     * Extracts the engine's native libraries into the JavaCPP cache (once per process; later
     * calls return at once). Loads nothing. Where extraction fails (an unwritable cache) it
     * leaves the libraries to JavaCPP, whose own load then reports the error.
     */
    public static synchronized void prepare() {
        if (prepared) {
            return;
        }
        prepared = true;
        if (!Loader.isLoadLibraries()) {
            return;
        }
        Properties platform = Loader.loadProperties();
        ClassLoader loader = NativeLibraries.class.getClassLoader();
        for (String name : PRESETS) {
            Class<?> preset;
            try {
                preset = Class.forName(name, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                continue; // a preset that is not on the class path is never loaded either
            }
            try {
                extract(preset, Loader.loadProperties(preset, platform, true));
            } catch (RuntimeException e) {
                // JavaCPP extracts what is left one library at a time, as it did before
            }
        }
    }

    /**
     * Extracts the libraries that one preset declares (preloads, links and its JNI library) from
     * the directory of its jar that holds its JNI library, where JavaCPP finds them too. Files
     * are looked up in that directory rather than one by one on the class path: the PyTorch
     * preset declares some 40 CUDA libraries that no CPU jar holds, and a class path search for
     * each would add half a second to every start.
     */
    private static void extract(Class<?> preset, ClassProperties p) {
        String jni = p.getProperty("platform.library");
        URL[] own = jni == null ? new URL[0] : Loader.findLibrary(preset, p, jni);
        // JavaCPP loads the first of these that works; only a library in a jar needs extracting
        // (liblf in target/classes, or any library when pathsFirst puts the system's first, does not)
        if (own.length == 0 || !"jar".equals(own[0].getProtocol())) {
            return;
        }
        Set<String> declared = fileNames(p);
        try {
            JarURLConnection connection = (JarURLConnection) own[0].openConnection();
            String entry = connection.getEntryName();
            String directory = entry.substring(0, entry.lastIndexOf('/') + 1);
            String jar = own[0].toString().substring(0, own[0].toString().indexOf("!/") + 2);
            for (JarEntry e : Collections.list(connection.getJarFile().entries())) {
                String name = e.getName();
                if (name.startsWith(directory) && declared.contains(name.substring(directory.length()))) {
                    Loader.cacheResource(new URL(jar + name));
                }
            }
        } catch (IOException e) {
            // JavaCPP tries again when it loads each library, and says why it cannot
        }
    }

    /**
     * The file names the preset's libraries may have, as JavaCPP spells them: "gcc_s@.1" is
     * libgcc_s.so.1, libgcc_s.1.so or libgcc_s.so; of "openblas@.0#openblas_nolapack@.0" (a file
     * that JavaCPP copies under another name) the file in the jar, libopenblas.so.0.
     */
    private static Set<String> fileNames(ClassProperties p) {
        List<String> libraries = new ArrayList<>(p.get("platform.preload"));
        libraries.addAll(p.get("platform.link"));
        libraries.add(p.getProperty("platform.library"));
        String prefix = p.getProperty("platform.library.prefix", "");
        Set<String> names = new HashSet<>();
        for (String library : libraries) {
            String[] parts = library.split("#")[0].split("@");
            String name = parts[0].trim();
            String version = parts.length > 1 ? parts[parts.length - 1] : "";
            for (String suffix : p.get("platform.library.suffix")) {
                names.add(prefix + name + suffix + version);
                names.add(prefix + name + version + suffix);
                names.add(prefix + name + suffix);
            }
        }
        return names;
    }
}
