package org.latentfield.map;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.latentfield.LatentfieldException;

/**
 * The shape of one item of a tensor without its batch dimension, e.g. {3, 32, 32} for a colour
 * image, {784} for a flat vector, {4, 8, 8} for a spatial latent. Immutable; equal by content.
 */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        this.dims = dims;
    }

    /** A shape of positive sizes whose product fits an int. */
    public static Shape of(int... dims) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("a shape needs at least one dimension");
        }
        long size = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("shape sizes must be positive, got " + Arrays.toString(dims));
            }
            size *= d;
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " holds more values than one row can");
            }
        }
        return new Shape(dims.clone());
    }

    /** The same from longs (a tensor's sizes); throws when a size does not fit. */
    public static Shape of(long... dims) {
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 1 || dims[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape size " + dims[i] + " is not a positive int");
            }
            d[i] = (int) dims[i];
        }
        return of(d);
    }

    /**
     * Parses a user's "C,H,W" or "D" (also "4x8x8"); {@code what} names the option in the error,
     * e.g. "--latent-shape".
     */
    public static Shape parse(String spec, String what) {
        String[] parts = spec.strip().split("\\s*[,x]\\s*");
        int[] d = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                d[i] = Integer.parseInt(parts[i].strip());
            }
            return of(d);
        } catch (IllegalArgumentException e) {
            throw new LatentfieldException(what + " must be positive integers separated by commas, such as 4,8,8 or 784, got '"
                    + spec + "'.");
        }
    }

    /** The sizes (a copy). */
    public int[] dims() {
        return dims.clone();
    }

    /** The sizes as longs, for tensor shapes. */
    public long[] longDims() {
        return Arrays.stream(dims).asLongStream().toArray();
    }

    /** {batch, dims...}: the shape of a batch of {@code rows} items. */
    public long[] batched(long rows) {
        long[] s = new long[dims.length + 1];
        s[0] = rows;
        for (int i = 0; i < dims.length; i++) {
            s[i + 1] = dims[i];
        }
        return s;
    }

    public int rank() {
        return dims.length;
    }

    /** The number of values of one item: the product of the sizes. */
    public int size() {
        int s = 1;
        for (int d : dims) {
            s *= d;
        }
        return s;
    }

    /** Whether it is a flat vector (rank 1). */
    public boolean isFlat() {
        return dims.length == 1;
    }

    /** For JSON: the sizes as a list. */
    public List<Integer> toList() {
        return Arrays.stream(dims).boxed().toList();
    }

    /** e.g. "3 x 32 x 32" or "784". */
    @Override
    public String toString() {
        return Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining(" x "));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }
}
