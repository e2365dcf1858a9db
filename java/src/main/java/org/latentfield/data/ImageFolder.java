package org.latentfield.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.latentfield.LatentfieldException;

/**
 * {@code dir:PATH}: a folder of PNG/JPEG files as one image set, C x H x W in [0, 1]. Files are
 * the regular files directly in the folder whose names do not start with '.', sorted by file
 * name (String order); subfolders are ignored. Each is decoded by {@link ImageFile} (its rules
 * for grey/colour values and alpha apply: an opaque alpha channel is dropped, a transparent
 * pixel is refused). Every file must have the requested channel count and the size of the
 * first file; nothing is resized, converted or replicated. Labels: none.
 */
public final class ImageFolder {
    private ImageFolder() {}

    /** The images of {@code dir}, with the channel count of its first file (grey: 1, colour: 3). */
    public static ImageSet load(Path dir) {
        List<Path> files = files(dir);
        ImageFile first = ImageFile.read(files.get(0));
        return load(dir, files, first, first.channels());
    }

    /** The images of {@code dir}, each of which must have {@code channels} (1 or 3) channels. */
    public static ImageSet load(Path dir, int channels) {
        List<Path> files = files(dir);
        return load(dir, files, ImageFile.read(files.get(0), channels), channels);
    }

    private static ImageSet load(Path dir, List<Path> files, ImageFile first, int channels) {
        int h = first.height(), w = first.width(), size = channels * h * w;
        float[] pixels = new float[files.size() * size];
        for (int i = 0; i < files.size(); i++) {
            ImageFile f = i == 0 ? first : ImageFile.read(files.get(i), channels);
            if (f.height() != h || f.width() != w) {
                throw new LatentfieldException("images in " + dir + " differ in size: " + first.file().getFileName() + " is " + first.sizeString()
                        + " but " + f.file().getFileName() + " is " + f.sizeString() + "; resize them to one size first.");
            }
            System.arraycopy(f.pixels(), 0, pixels, i * size, size);
        }
        return new ImageSet("dir:" + dir, files.size(), channels, h, w, pixels, null);
    }

    /** The folder's image candidates, sorted; an empty or missing folder is refused. */
    static List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new LatentfieldException("image folder " + dir + " does not exist or is not a directory.");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new LatentfieldException("image folder " + dir + " cannot be listed: " + e.getMessage() + ".", e);
        }
        if (files.isEmpty()) {
            throw new LatentfieldException("image folder " + dir + " holds no image files; expected PNG or JPEG files of one size.");
        }
        return files;
    }
}
