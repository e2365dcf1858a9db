package org.latentfield.map.torch;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.LatentfieldException;
import org.latentfield.data.ImageSet;
import org.latentfield.kernels.NativeLibraries;

/**
 * The reference every autoencoder worth studying should beat: PCA with k components. Fitted on
 * the training images (mean mu, top-k eigenvectors V of the covariance of x - mu, in float64),
 * evaluated on the test images as the mean squared error of x_hat = mu + (x - mu) V V^T.
 */
public final class PcaBaseline {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private PcaBaseline() {}

    /** Test mean squared error of PCA with k components fitted on {@code train}. */
    public static double testMse(ImageSet train, ImageSet test, int k) {
        int d = train.imageSize();
        if (test.imageSize() != d) {
            throw new LatentfieldException(test.name() + " images have " + test.imageSize() + " values, " + train.name() + " images " + d + ".");
        }
        if (k < 1 || k > d) {
            throw new LatentfieldException("PCA needs 1 <= k <= " + d + " components, got " + k + ".");
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
            Tensor x = Tensor.create(train.pixels(), train.count(), d).to(torch.ScalarType.Double);
            Tensor mu = x.mean(new long[] {0}, true, new ScalarTypeOptional());
            Tensor xc = x.sub(mu);
            Tensor cov = xc.t().mm(xc);
            Tensor v = torch.linalg_eigh(cov).get1().narrow(1, d - k, k); // eigenvalues ascend: the last k columns
            Tensor y = Tensor.create(test.pixels(), test.count(), d).to(torch.ScalarType.Double).sub(mu);
            Tensor residual = y.mm(v).mm(v.t()).sub(y);
            return residual.pow(new Scalar(2.0)).mean().item_double();
        }
    }
}
