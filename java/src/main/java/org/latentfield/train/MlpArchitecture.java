package org.latentfield.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.latentfield.LatentfieldException;

/**
 * A fully connected autoencoder for inputs of any shape: encoder x (flattened to D = prod(shape))
 * -> h_1 -> ... -> h_L -> k, decoder k -> h_L -> ... -> h_1 -> D, reshaped to the input shape,
 * with the activation between layers, a linear bottleneck (a flat latent of k), and a sigmoid on
 * the output for [0, 1] data.
 */
public final class MlpArchitecture {
    /** Activations between layers. */
    public static final List<String> ACTIVATIONS = List.of("relu", "tanh", "sigmoid", "gelu");

    private MlpArchitecture() {}

    /** For C x H x W images. */
    public static Architecture of(int channels, int height, int width, int[] hidden, int k, String activation) {
        return of(new int[] {channels, height, width}, hidden, k, activation);
    }

    /** For inputs of {@code inputShape} (e.g. C, H, W or D). */
    public static Architecture of(int[] inputShape, int[] hidden, int k, String activation) {
        check(hidden, k, activation);
        int d = 1;
        for (int s : inputShape) {
            if (s < 1) {
                throw new LatentfieldException("input shape must be positive, got " + java.util.Arrays.toString(inputShape) + ".");
            }
            d *= s;
        }
        List<Integer> enc = new ArrayList<>();
        enc.add(d);
        for (int h : hidden) {
            enc.add(h);
        }
        enc.add(k);
        List<Architecture.Parameter> params = new ArrayList<>();
        StringBuilder e = new StringBuilder("def encode(self, x):\n    h = torch.flatten(x, 1)\n");
        for (int i = 0; i + 1 < enc.size(); i++) {
            String layer = linear(params, "enc" + i, enc.get(i), enc.get(i + 1));
            boolean last = i + 2 == enc.size();
            e.append("    h = ").append(last ? layer : act(activation, layer)).append('\n');
        }
        e.append("    return h\n");
        StringBuilder dec = new StringBuilder("def decode(self, z):\n    h = z\n");
        for (int i = enc.size() - 1; i > 0; i--) {
            String layer = linear(params, "dec" + (enc.size() - 1 - i), enc.get(i), enc.get(i - 1));
            dec.append("    h = ").append(i == 1 ? "torch.sigmoid(" + layer + ")" : act(activation, layer)).append('\n');
        }
        dec.append("    return h.reshape([-1").append(java.util.Arrays.stream(inputShape).mapToObj(s -> ", " + s).reduce("", String::concat))
                .append("])\n");
        String forward = "def forward(self, x):\n    return self.decode(self.encode(x))\n";
        return new Architecture("mlp", e + "\n" + dec + "\n" + forward, List.copyOf(params), new int[] {k}, inputShape);
    }

    /** Rejects settings no input shape can fix, so a command can check them before loading data. */
    public static void check(int[] hidden, int k, String activation) {
        if (k < 1) {
            throw new LatentfieldException("--latent must be a positive integer, got " + k + ".");
        }
        if (!ACTIVATIONS.contains(activation)) {
            throw new LatentfieldException("--activation must be one of " + ACTIVATIONS + ", got '" + activation + "'.");
        }
        for (int h : hidden) {
            if (h < 1) {
                throw new LatentfieldException("--hidden widths must be positive integers, got " + h + ".");
            }
        }
    }

    private static String linear(List<Architecture.Parameter> params, String name, int in, int out) {
        params.add(new Architecture.Parameter(name + "_w", new long[] {out, in}, in));
        params.add(new Architecture.Parameter(name + "_b", new long[] {out}, in));
        return String.format(Locale.ROOT, "torch.addmm(self.%s_b, h, self.%s_w.t())", name, name);
    }

    private static String act(String activation, String x) {
        return switch (activation) {
            case "relu" -> "torch.relu(" + x + ")";
            case "tanh" -> "torch.tanh(" + x + ")";
            case "sigmoid" -> "torch.sigmoid(" + x + ")";
            default -> "torch.gelu(" + x + ")";
        };
    }
}
