package org.latentfield.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.latentfield.LatentfieldException;

/**
 * The paper's convolutional autoencoder (PAPER.md section 3, table 4) for C x H x W images:
 * encoder: four Conv 3x3 stride 2 pad 1 with channels C -> d -> 2d -> 4d -> 8d and ReLU, flatten,
 * linear to k; decoder: linear k -> 8d x H'/16 x W'/16 with ReLU, four ConvTranspose 3x3 stride 2
 * pad 1 output-pad 1 with channels 8d -> 4d -> 2d -> d -> C, ReLU inside and a sigmoid on the
 * output for [0, 1] images. Inputs whose sides are not multiples of 16 are zero-padded inside
 * the module to the next multiple (28 -> 32) and the reconstruction is cropped back (ours).
 */
public final class ConvArchitecture {
    private ConvArchitecture() {}

    public static Architecture of(int channels, int height, int width, int d, int k) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new LatentfieldException("image shape must be positive, got " + channels + " x " + height + " x " + width + ".");
        }
        if (d < 1 || k < 1) {
            throw new LatentfieldException("--width and --latent must be positive integers, got " + d + " and " + k + ".");
        }
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
            params.add(new Architecture.Parameter("enc" + i + "_w", new long[] {ch[i + 1], ch[i], 3, 3}, 9L * ch[i]));
            params.add(new Architecture.Parameter("enc" + i + "_b", new long[] {ch[i + 1]}, 9L * ch[i]));
            enc.append(String.format(Locale.ROOT, "    h = torch.relu(torch.conv2d(h, self.enc%d_w, self.enc%d_b, [2, 2], [1, 1]))%n", i, i));
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
            int in = ch[4 - i], out = ch[3 - i];
            // ConvTranspose weights are (in, out, kH, kW); PyTorch's fan-in for them is out * 9.
            params.add(new Architecture.Parameter("dec" + i + "_w", new long[] {in, out, 3, 3}, 9L * out));
            params.add(new Architecture.Parameter("dec" + i + "_b", new long[] {out}, 9L * out));
            String act = i < 3 ? "torch.relu" : "torch.sigmoid";
            dec.append(String.format(Locale.ROOT, "    h = %s(torch.conv_transpose2d(h, self.dec%d_w, self.dec%d_b, [2, 2], [1, 1], [1, 1]))%n",
                    act, i, i));
        }
        dec.append(String.format(Locale.ROOT, "    return h[:, :, %d:%d, %d:%d]%n", top, top + height, left, left + width));
        String forward = "def forward(self, x):\n    return self.decode(self.encode(x))\n";
        return new Architecture("conv", enc + "\n" + dec + "\n" + forward, List.copyOf(params), k, new int[] {channels, height, width});
    }
}
