package org.latentfield.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.latentfield.LatentfieldException;
import org.latentfield.data.ImageSet;

/**
 * Convolutional autoencoders for C x H x W images, base width d, ReLU inside, a sigmoid on the
 * output for [0, 1] images. Two bottlenecks:
 * <ul>
 *   <li>{@link #of flat} (the paper's, PAPER.md section 3, table 4): encoder four Conv 3x3
 *       stride 2 pad 1 with channels C -> d -> 2d -> 4d -> 8d, flatten, linear to k; decoder
 *       linear k -> 8d x H'/16 x W'/16, four ConvTranspose 3x3 stride 2 pad 1 output-pad 1 with
 *       channels 8d -> 4d -> 2d -> d -> C. Sides that are not multiples of 16 are zero-padded
 *       inside the module to the next multiple (28 -> 32) and the reconstruction is cropped
 *       back (ours). Latent shape {k}.</li>
 *   <li>{@link #spatial} (ours): a latent of c x h x w with H = h 2^s and W = w 2^s, s >= 0.
 *       Encoder: s Conv 3x3 stride 2 pad 1 with channels C -> d -> 2d -> ... -> 2^(s-1) d, each
 *       with ReLU, then Conv 3x3 stride 1 pad 1 to c channels with no activation (the code; no
 *       flatten, no linear layer). Decoder, the mirror: ConvTranspose 3x3 stride 1 pad 1
 *       c -> 2^(s-1) d with ReLU, then s ConvTranspose 3x3 stride 2 pad 1 output-pad 1 halving the
 *       channels back to d and ending at C, ReLU inside and a sigmoid on the last (for s = 0 the
 *       first decoder layer goes straight to C with the sigmoid). For 3 x 32 x 32 and 4 x 8 x 8:
 *       3 -> d (16 x 16) -> 2d (8 x 8) -> 4 (8 x 8), then 4 -> 2d (8 x 8) -> d (16 x 16) -> 3
 *       (32 x 32).</li>
 * </ul>
 * encode takes N x C x H x W and returns N x latent_shape; decode takes N x latent_shape.
 */
public final class ConvArchitecture {
    private ConvArchitecture() {}

    /** The paper's architecture (flat latent of k) for C x H x W images. */
    public static Architecture of(int channels, int height, int width, int d, int k) {
        return of(new int[] {channels, height, width}, d, k);
    }

    /** The paper's architecture (flat latent of k) for {@code inputShape} = C, H, W. */
    public static Architecture of(int[] inputShape, int d, int k) {
        check(d, new int[] {k});
        int channels = image(inputShape)[0], height = inputShape[1], width = inputShape[2];
        int ph = (height + 15) / 16 * 16;
        int pw = (width + 15) / 16 * 16;
        int top = (ph - height) / 2, left = (pw - width) / 2;
        int[] ch = {channels, d, 2 * d, 4 * d, 8 * d};
        int flat = 8 * d * (ph / 16) * (pw / 16);
        List<Architecture.Parameter> params = new ArrayList<>();
        StringBuilder enc = new StringBuilder("def encode(self, x):\n");
        enc.append(String.format(Locale.ROOT, "    h = torch.constant_pad_nd(x, [%d, %d, %d, %d], 0.0)%n", left, pw - width - left, top,
                ph - height - top));
        for (int i = 0; i < 4; i++) {
            enc.append("    h = torch.relu(").append(conv(params, "enc" + i, ch[i], ch[i + 1], 2)).append(")\n");
        }
        params.add(new Architecture.Parameter("enc_fc_w", new long[] {k, flat}, flat));
        params.add(new Architecture.Parameter("enc_fc_b", new long[] {k}, flat));
        enc.append("    return torch.addmm(self.enc_fc_b, torch.flatten(h, 1), self.enc_fc_w.t())\n");

        StringBuilder dec = new StringBuilder("def decode(self, z):\n");
        params.add(new Architecture.Parameter("dec_fc_w", new long[] {flat, k}, k));
        params.add(new Architecture.Parameter("dec_fc_b", new long[] {flat}, k));
        dec.append(String.format(Locale.ROOT, "    h = torch.relu(torch.addmm(self.dec_fc_b, z, self.dec_fc_w.t())).reshape([-1, %d, %d, %d])%n",
                8 * d, ph / 16, pw / 16));
        for (int i = 0; i < 4; i++) {
            String act = i < 3 ? "torch.relu(" : "torch.sigmoid(";
            dec.append("    h = ").append(act).append(convTranspose(params, "dec" + i, ch[4 - i], ch[3 - i], 2)).append(")\n");
        }
        dec.append(String.format(Locale.ROOT, "    return h[:, :, %d:%d, %d:%d]%n", top, top + height, left, left + width));
        return new Architecture("conv", enc + "\n" + dec + "\n" + FORWARD, List.copyOf(params), new int[] {k}, inputShape);
    }

    /** The spatial-bottleneck architecture for {@code inputShape} = C, H, W and {@code latentShape} = c, h, w. */
    public static Architecture spatial(int[] inputShape, int d, int[] latentShape) {
        check(d, latentShape);
        image(inputShape);
        int s = stages(inputShape[1], latentShape[1]);
        if (s < 0 || s != stages(inputShape[2], latentShape[2])) {
            throw new LatentfieldException("latent shape " + latentShape[0] + "," + latentShape[1] + "," + latentShape[2]
                    + " does not fit " + inputShape[1] + " x " + inputShape[2] + " images: each image side must be the latent side times the same power of 2.");
        }
        int[] ch = new int[s + 1];
        ch[0] = inputShape[0];
        for (int i = 1; i <= s; i++) {
            ch[i] = d << (i - 1);
        }
        List<Architecture.Parameter> params = new ArrayList<>();
        StringBuilder enc = new StringBuilder("def encode(self, x):\n    h = x\n");
        for (int i = 0; i < s; i++) {
            enc.append("    h = torch.relu(").append(conv(params, "enc" + i, ch[i], ch[i + 1], 2)).append(")\n");
        }
        enc.append("    return ").append(conv(params, "enc_code", ch[s], latentShape[0], 1)).append('\n');
        StringBuilder dec = new StringBuilder("def decode(self, z):\n    h = z\n");
        String first = convTranspose(params, "dec_code", latentShape[0], ch[s], 1);
        dec.append("    h = ").append(s == 0 ? "torch.sigmoid(" : "torch.relu(").append(first).append(")\n");
        for (int i = 0; i < s; i++) {
            String act = i < s - 1 ? "torch.relu(" : "torch.sigmoid(";
            dec.append("    h = ").append(act).append(convTranspose(params, "dec" + i, ch[s - i], ch[s - i - 1], 2)).append(")\n");
        }
        dec.append("    return h\n");
        return new Architecture("conv-spatial", enc + "\n" + dec + "\n" + FORWARD, List.copyOf(params), latentShape, inputShape);
    }

    /**
     * Rejects settings no input shape can fix (so a command can check them before loading data):
     * d and every latent size must be positive, and a latent shape is {k} (flat) or {c, h, w}.
     */
    public static void check(int d, int[] latentShape) {
        if (latentShape.length != 1 && latentShape.length != 3) {
            throw new LatentfieldException("a latent shape is K (flat) or C,H,W (spatial), got " + java.util.Arrays.toString(latentShape) + ".");
        }
        if (d < 1 || java.util.Arrays.stream(latentShape).anyMatch(v -> v < 1)) {
            throw new LatentfieldException("--width and --latent must be positive integers, got " + d + " and "
                    + ImageSet.describe(latentShape) + ".");
        }
    }

    private static final String FORWARD = "def forward(self, x):\n    return self.decode(self.encode(x))\n";

    /** s with image = latent * 2^s, or -1 when there is none. */
    private static int stages(int image, int latent) {
        for (int s = 0; (latent << s) <= image && s < 31; s++) {
            if ((latent << s) == image) {
                return s;
            }
        }
        return -1;
    }

    private static int[] image(int[] shape) {
        if (shape.length != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1) {
            throw new LatentfieldException("the conv architectures take C x H x W images with positive sizes, got items of shape "
                    + java.util.Arrays.toString(shape) + "; use --arch mlp for flat data.");
        }
        return shape;
    }

    /** Conv 3x3, pad 1, the given stride; registers its weight (out, in, 3, 3) and bias. */
    private static String conv(List<Architecture.Parameter> params, String name, int in, int out, int stride) {
        params.add(new Architecture.Parameter(name + "_w", new long[] {out, in, 3, 3}, 9L * in));
        params.add(new Architecture.Parameter(name + "_b", new long[] {out}, 9L * in));
        return String.format(Locale.ROOT, "torch.conv2d(h, self.%s_w, self.%s_b, [%d, %d], [1, 1])", name, name, stride, stride);
    }

    /**
     * ConvTranspose 3x3, pad 1, the given stride, output padding stride - 1 (so stride 2 doubles
     * the sides); weights are (in, out, 3, 3) and PyTorch's fan-in for them is out * 9.
     */
    private static String convTranspose(List<Architecture.Parameter> params, String name, int in, int out, int stride) {
        params.add(new Architecture.Parameter(name + "_w", new long[] {in, out, 3, 3}, 9L * out));
        params.add(new Architecture.Parameter(name + "_b", new long[] {out}, 9L * out));
        return String.format(Locale.ROOT, "torch.conv_transpose2d(h, self.%s_w, self.%s_b, [%d, %d], [1, 1], [%d, %d])", name, name, stride,
                stride, stride - 1, stride - 1);
    }
}
