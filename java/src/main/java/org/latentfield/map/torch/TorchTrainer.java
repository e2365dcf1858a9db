package org.latentfield.map.torch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.ListType;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.QualifiedName;
import org.bytedeco.pytorch.SingletonTypePtr;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.LatentfieldException;
import org.latentfield.data.ImageSet;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.train.Architecture;
import org.latentfield.train.EpochRecord;
import org.latentfield.train.TrainOptions;

/**
 * Trains an {@link Architecture} in LibTorch: the module is compiled from its TorchScript source
 * with {@code JitModule.define}, its parameters initialised from the seed, then optimised with
 * Adam on the mean squared reconstruction error, minibatches drawn by a seeded permutation.
 * Same seed, same machine, same thread count: same model. Items may have any shape: a data set
 * becomes one N x (item shape) tensor, and its item shape must equal the architecture's
 * {@code input_shape}. The module gets the attributes {@code input_shape}, {@code latent_shape}
 * and {@code latent_dim}. The result is saved as a standalone TorchScript archive that PyTorch
 * loads with {@code torch.jit.load}. {@link Cancellation} is checked before every minibatch and
 * every evaluation batch: a cancelled run throws before anything is saved to {@code out}.
 */
public final class TorchTrainer {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private static final int EVAL_BATCH = 1000;

    private TorchTrainer() {}

    /** Told after every minibatch: its number of images and its loss. */
    @FunctionalInterface
    public interface BatchListener {
        void batchDone(int images, double loss);
    }

    /** Sets LibTorch's intra-op threads (process-wide) for training; cores < 1 is an error. */
    public static void useThreads(int cores) {
        if (cores < 1) {
            throw new LatentfieldException("--threads must be a positive integer, got " + cores + ".");
        }
        torch.set_num_threads(cores);
    }

    /** LibTorch's intra-op threads. */
    public static int threads() {
        return torch.get_num_threads();
    }

    /**
     * Trains and saves the model to {@code out}.
     *
     * @param onEpoch told each epoch's record as it ends
     * @param onBatch told the size and loss of each finished minibatch
     * @return one record per epoch
     */
    public static List<EpochRecord> train(Architecture arch, ImageSet train, ImageSet test, TrainOptions options, Path out,
                                          Consumer<EpochRecord> onEpoch, BatchListener onBatch) {
        return train(arch, train, test, options, out, null, onEpoch, onBatch);
    }

    /**
     * Trains and saves the model to {@code out}; with {@code options.checkpointEvery() > 0} also
     * saves {@code checkpoints/epoch-NNNN.pt} every that many epochs (and after the last).
     */
    public static List<EpochRecord> train(Architecture arch, ImageSet train, ImageSet test, TrainOptions options, Path out,
                                          Path checkpoints, Consumer<EpochRecord> onEpoch, BatchListener onBatch) {
        check(arch, train);
        check(arch, test);
        TorchBackends.referenceKernelsOnly(); // no per-model check covers training's weight gradients
        if (checkpoints != null && options.checkpointEvery() > 0) {
            try {
                java.nio.file.Files.createDirectories(checkpoints);
            } catch (java.io.IOException e) {
                throw new LatentfieldException("checkpoint directory " + checkpoints + " cannot be created: " + e.getMessage() + ".", e);
            }
        }
        torch.manual_seed(options.seed());
        List<EpochRecord> log = new ArrayList<>();
        try (PointerScope outer = new PointerScope()) {
            JitModule module = build(arch);
            TensorVector params = new TensorVector();
            var list = module.parameters(true);
            long size = list.size();
            var it = list.begin();
            for (long i = 0; i < size; i++, it = it.increment()) {
                params.push_back(it.access());
            }
            AdamOptions adam = new AdamOptions(options.lr());
            adam.weight_decay().put(options.weightDecay());
            Adam optimizer = new Adam(params, adam);
            Tensor x = images(train);
            Tensor xTest = images(test);
            int n = train.count();
            for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                long began = System.nanoTime();
                optimizer.param_groups().get(0).options().set_lr(options.lrAt(epoch));
                module.train(true);
                double sum = 0;
                try (PointerScope epochScope = new PointerScope()) {
                    Tensor order = torch.randperm(n);
                    for (int s = 0; s < n; s += options.batchSize()) {
                        int len = Math.min(options.batchSize(), n - s);
                        Cancellation.check();
                        try (PointerScope step = new PointerScope()) {
                            Tensor xb = x.index_select(0, order.narrow(0, s, len));
                            Tensor input = options.noiseStd() > 0
                                    ? xb.add(torch.randn_like(xb).mul(new org.bytedeco.pytorch.Scalar(options.noiseStd()))) : xb;
                            Tensor recon = module.forward(new IValueVector(new IValue(input))).toTensor();
                            Tensor loss = torch.mse_loss(recon, xb);
                            optimizer.zero_grad();
                            loss.backward();
                            optimizer.step();
                            double value = loss.item_double();
                            if (!Double.isFinite(value)) {
                                throw new LatentfieldException("training diverged at epoch " + epoch + " (loss " + value + "); lower --lr.");
                            }
                            sum += value * len;
                            onBatch.batchDone(len, value);
                        }
                    }
                }
                module.eval();
                double testMse = meanSquaredError(module, xTest);
                EpochRecord record = new EpochRecord(epoch, sum / n, testMse, (System.nanoTime() - began) / 1e9);
                log.add(record);
                onEpoch.accept(record);
                if (checkpoints != null && options.checkpointEvery() > 0
                        && (epoch % options.checkpointEvery() == 0 || epoch == options.epochs())) {
                    module.save(checkpoints.resolve(String.format("epoch-%04d.pt", epoch)).toString());
                }
            }
            module.eval();
            Cancellation.check();
            module.save(out.toString());
        }
        return log;
    }

    /** Mean squared reconstruction error of a module's forward over a whole image tensor. */
    static double meanSquaredError(JitModule module, Tensor x) {
        long n = x.size(0);
        double sum = 0;
        try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
            for (long s = 0; s < n; s += EVAL_BATCH) {
                Cancellation.check();
                long len = Math.min(EVAL_BATCH, n - s);
                try (PointerScope step = new PointerScope()) {
                    Tensor xb = x.narrow(0, s, len);
                    Tensor recon = module.forward(new IValueVector(new IValue(xb))).toTensor();
                    sum += torch.mse_loss(recon, xb).item_double() * len;
                }
            }
        }
        return sum / n;
    }

    /** Mean squared reconstruction error of a saved model on a data set. */
    public static double meanSquaredError(Path model, ImageSet data) {
        TorchBackends.referenceKernelsOnly(); // no per-model check covers training's weight gradients
        try (PointerScope scope = new PointerScope()) {
            JitModule module = torch.load(model.toString());
            module.eval();
            return meanSquaredError(module, images(data));
        }
    }

    private static JitModule build(Architecture arch) {
        JitModule m = new JitModule(new QualifiedName("latentfield_" + arch.name().replaceAll("[^A-Za-z0-9_]", "_")));
        for (Architecture.Parameter p : arch.parameters()) {
            double bound = 1.0 / Math.sqrt(p.fanIn());
            Tensor t = torch.rand(p.shape()).mul_(new org.bytedeco.pytorch.Scalar(2 * bound))
                    .sub_(new org.bytedeco.pytorch.Scalar(bound));
            t.set_requires_grad(true);
            m.register_parameter(p.name(), t, false);
        }
        Type.TypePtr intType = new Type.TypePtr(new SingletonTypePtr(IntType.getIntTypePtr()));
        m.register_attribute("latent_dim", intType, new IValue((long) arch.latentDim()), false, false);
        Type.TypePtr intList = ListType.get("List[int]", intType);
        m.register_attribute("input_shape", intList, intList(intType, arch.inputShape()), false, false);
        m.register_attribute("latent_shape", intList, intList(intType, arch.latentShape()), false, false);
        m.define(arch.source());
        return m;
    }

    private static IValue intList(Type.TypePtr intType, int[] values) {
        GenericList list = new GenericList(intType);
        for (int v : values) {
            list.push_back(new IValue((long) v));
        }
        return new IValue(list);
    }

    /** The items of a set as one N x (item shape) tensor. */
    private static Tensor images(ImageSet set) {
        int[] shape = set.shape();
        long[] sizes = new long[shape.length + 1];
        sizes[0] = set.count();
        for (int i = 0; i < shape.length; i++) {
            sizes[i + 1] = shape[i];
        }
        return Tensor.create(set.pixels(), sizes);
    }

    private static void check(Architecture arch, ImageSet set) {
        if (!java.util.Arrays.equals(arch.inputShape(), set.shape())) {
            throw new LatentfieldException(set.name() + " holds items of " + set.shapeString() + " but the architecture expects "
                    + ImageSet.describe(arch.inputShape()) + ".");
        }
    }
}
