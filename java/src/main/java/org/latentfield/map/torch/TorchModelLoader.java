package org.latentfield.map.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.Method;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.NativeLibraries;
import org.latentfield.map.ModelContract;
import org.latentfield.map.MemoryBudget;
import org.latentfield.map.ModelSource;
import org.latentfield.map.Shape;

/**
 * Loads a TorchScript autoencoder and establishes its {@link ModelContract}: the one place that
 * decides what a model is.
 *
 * <ol>
 * <li>Archives: one module with {@code encode(x)} and {@code decode(z)}, or an encoder and a
 *     decoder archive each with {@code forward}. Each is loaded on the device, its saved mode
 *     (its {@code training} attribute; modules built with {@code JitModule.define} may have
 *     none) is recorded, and one saved in training mode is switched to eval mode.</li>
 * <li>dtype: the dtype of the parameters (float32 when there are none). Inputs are cast to it
 *     at the boundary; iterates are kept in float64 for a float64 model, else in float32.</li>
 * <li>Shapes ({@link ShapeDeclarations}): with an input shape declared, encode of a zero batch
 *     of that shape gives the latent shape (checked against any declaration); with only a latent
 *     shape declared, decode of a zero latent gives the input shape. Then encode(decode(z)) must
 *     return the latent shape. Every failure keeps PyTorch's own cause.</li>
 * <li>Convolution engine ({@link TorchBackends#admit}): where oneDNN is wrong on this CPU for some
 *     convolutions, it is used for this model only if the model's own f and products agree with
 *     LibTorch's reference kernels.</li>
 * <li>Determinism ({@link DeterminismCheck}): f must give the same values for the same rows
 *     twice, and for rows alone as in a batch; a model that does not (a trace with training-mode
 *     BatchNorm or Dropout baked in, random sampling in encode) is refused.</li>
 * </ol>
 */
public final class TorchModelLoader {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    private static final int PROBE_ROWS = 2;

    private TorchModelLoader() {}

    /**
     * Loads, checks and opens {@code source} for evaluation.
     *
     * @throws LatentfieldException with one sentence naming the file, what was expected and PyTorch's cause
     */
    public static TorchScriptAutoencoder open(ModelSource source) {
        Device device = resolveDevice(source.device());
        List<JitModule> modules = new ArrayList<>();
        List<Path> archives = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        TorchBackends.ensureCorrectConvolutions(); // before any module runs: oneDNN off where its convolutions are wrong
        boolean savedTraining = false;
        boolean modeKnown = true;
        TorchModules calls;
        ModelParameters parameters;
        try {
            archives.add(source.model());
            source.decoder().ifPresent(archives::add);
            for (Path archive : archives) {
                JitModule m = load(archive, device);
                modules.add(m);
                CardDigest.mismatch(archive).ifPresent(notes::add);
                modeKnown &= m.hasattr("training");
                if (m.hasattr("training") && m.is_training()) {
                    savedTraining = true;
                    m.eval();
                    notes.add("model file " + archive + " was saved in training mode; it is run in eval mode (BatchNorm running"
                            + " statistics, Dropout off), as model.eval() would");
                }
            }
            Method encode;
            Method decode;
            if (source.decoder().isPresent()) {
                encode = method(modules.get(0), "forward", source.model(), "the encoder of a pair");
                decode = method(modules.get(1), "forward", source.decoder().get(), "the decoder of a pair");
            } else {
                encode = method(modules.get(0), "encode", source.model(), "an autoencoder");
                decode = method(modules.get(0), "decode", source.model(), "an autoencoder");
            }
            parameters = ModelParameters.of(modules, source.model());
            parameters.note().ifPresent(notes::add);
            calls = new TorchModules(modules, encode, decode, device, parameters.type(), source.model().toString());
        } catch (RuntimeException e) {
            modules.forEach(JitModule::close);
            throw e;
        }
        try {
            Shapes shapes = shapes(calls, modules, archives, source);
            TorchBackends.admit(calls, shapes.latent, source.cores()).ifPresent(n -> notes.add(0, n)); // oneDNN for this model, before the checks below
            String determinism = DeterminismCheck.run(calls, shapes.latent, savedTraining);
            String dtypeName = TorchShapes.dtypeName(calls.dtype());
            boolean float64 = calls.dtype() == torch.ScalarType.Double;
            if (calls.dtype() != torch.ScalarType.Float && !float64) {
                notes.add("the model computes in " + dtypeName + "; latentfield casts latents to " + dtypeName
                        + " before decode and keeps iterates in float32");
            }
            ModelContract contract = new ModelContract(source.model(), source.decoder(), shapes.input, shapes.inputSource, shapes.latent,
                    shapes.latentSource, shapes.decoded, shapes.encodeOutput, dtypeName, float64 ? "float64" : "float32", savedTraining ? "training" : modeKnown ? "eval" : "none (no training attribute)",
                    determinism, parameters.count(), device.str().getString(), notes);
            return new TorchScriptAutoencoder(calls, contract, source.evalBatch(), source.cores());
        } catch (RuntimeException e) {
            calls.close();
            throw e;
        }
    }

    private record Shapes(Shape input, String inputSource, Shape latent, String latentSource, Shape decoded, String encodeOutput) {}

    private static Shapes shapes(TorchModules calls, List<JitModule> modules, List<Path> archives, ModelSource source) {
        Optional<ShapeDeclarations.Declared> latentDecl = ShapeDeclarations.latent(modules, archives, source.latentShape());
        Optional<ShapeDeclarations.Declared> inputDecl = ShapeDeclarations.input(modules, archives, source.inputShape());
        String model = "model file " + source.model();
        int rows = Math.max(DeterminismCheck.ROWS, source.evalBatch());
        latentDecl.ifPresent(d -> fits(d.shape(), d.source(), rows));
        inputDecl.ifPresent(d -> fits(d.shape(), d.source(), rows));
        try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode()) {
            Shape input;
            String inputSource;
            Shape latent;
            String latentSource;
            Tensor decoded = null;
            if (inputDecl.isPresent()) {
                input = inputDecl.get().shape();
                inputSource = inputDecl.get().source();
                Tensor z = calls.encode(zeros(input), "on a zero batch shaped like its input (" + input + " from " + inputSource + ")");
                Shape got = batchItem(z, PROBE_ROWS, model + "'s encode maps a zero batch of " + PROBE_ROWS + " x " + input);
                if (latentDecl.isPresent() && !latentDecl.get().agrees(new ShapeDeclarations.Declared(got, "encode", true))) {
                    throw new LatentfieldException(model + "'s encode maps " + PROBE_ROWS + " x " + input + " inputs to " + PROBE_ROWS
                            + " x " + got + " latents but " + latentDecl.get().claim() + "; correct the declaration.");
                }
                latent = latentDecl.isPresent() && !latentDecl.get().countOnly() ? latentDecl.get().shape() : got;
                latentSource = latentDecl.map(ShapeDeclarations.Declared::source).orElse("encode output");
            } else if (latentDecl.isPresent()) {
                latent = latentDecl.get().shape();
                latentSource = latentDecl.get().source();
                decoded = calls.decode(zeros(latent), "on a zero latent batch (" + latent + " from " + latentSource + ")");
                input = batchItem(decoded, PROBE_ROWS, model + "'s decode maps a zero batch of " + PROBE_ROWS + " x " + latent);
                inputSource = "decode output";
            } else {
                throw new LatentfieldException("cannot tell the latent shape of " + model + ": give --latent-dim K or --latent-shape C,H,W,"
                        + " or --input-shape so that latentfield reads it from encode, or declare latent_dim / latent_shape / input_shape"
                        + " on the module or in a model card " + ShapeDeclarations.cardOf(source.model()).getFileName() + ".");
            }
            if (decoded == null) {
                decoded = calls.decode(zeros(latent), "on a zero latent batch (" + latent + " from " + latentSource + ")");
            }
            Shape decodedShape = batchItem(decoded, PROBE_ROWS, model + "'s decode maps a zero batch of " + PROBE_ROWS + " x " + latent);
            TorchModules.Encoded f = calls.encodeProbe(decoded, "on the output of decode (" + TorchShapes.sizes(decoded)
                    + ") while evaluating encode(decode(z))");
            Tensor fz = f.latent();
            if (!TorchShapes.isBatchOf(fz, PROBE_ROWS, latent)) {
                throw new LatentfieldException(model + " maps " + PROBE_ROWS + " x " + latent + " latents to " + TorchShapes.sizes(fz)
                        + " through encode(decode(z)); expected " + PROBE_ROWS + " x " + latent + " (" + latentSource + ").");
            }
            fits(decodedShape, "decode output", rows);
            String encodeOutput = f.tupleSize() == 0 ? "tensor" : "tuple of " + f.tupleSize() + " (first element used, e.g. a VAE's mean)";
            return new Shapes(input, inputSource, latent, latentSource, decodedShape, encodeOutput);
        }
    }

    /**
     * Refuses a shape whose items cannot be evaluated on this machine {@code rows} at a time (the
     * self-test's rows, or --eval-batch), input and output together, before anything is allocated.
     */
    private static void fits(Shape item, String source, int rows) {
        MemoryBudget.require(2.0 * rows * item.size(), Float.BYTES, "evaluating items of shape " + item + " (" + source + ") " + rows
                + " at a time");
    }

    private static Shape batchItem(Tensor t, int rows, String what) {
        Shape item = TorchShapes.itemShape(t);
        if (item == null || t.size(0) != rows) {
            throw new LatentfieldException(what + " to a tensor of shape " + TorchShapes.sizes(t) + "; expected a batch of " + rows
                    + " items (N x ...).");
        }
        return item;
    }

    private static Tensor zeros(Shape item) {
        return torch.zeros(item.batched(PROBE_ROWS), new TensorOptions().dtype(new org.bytedeco.pytorch.ScalarTypeOptional(torch.ScalarType.Float)));
    }

    static Device resolveDevice(String name) {
        boolean cuda = torch.cuda_is_available();
        switch (name) {
            case "cpu":
                return new Device("cpu");
            case "cuda":
                if (!cuda) {
                    throw new LatentfieldException("--device cuda was requested but LibTorch sees no CUDA device; use --device cpu or auto"
                            + " (GPU runs need a machine with an NVIDIA GPU and a build with the Maven profile gpu).");
                }
                return new Device("cuda");
            default:
                return new Device(cuda ? "cuda" : "cpu");
        }
    }

    private static JitModule load(Path path, Device device) {
        if (!Files.exists(path)) {
            throw new LatentfieldException("model file " + path + " does not exist; expected a TorchScript archive (.pt).");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new LatentfieldException("model file " + path + " is not a readable file; expected a TorchScript archive (.pt).");
        }
        byte[] magic = new byte[4];
        try (InputStream s = Files.newInputStream(path)) {
            int n = s.readNBytes(magic, 0, 4);
            if (n < 4 || magic[0] != 'P' || magic[1] != 'K' || magic[2] != 3 || magic[3] != 4) {
                throw new LatentfieldException("model file " + path + " is not a TorchScript archive; expected the zip file written by"
                        + " torch.jit.save (a state_dict or pickled model will not do: export with torch.jit.script or torch.jit.trace).");
            }
        } catch (IOException e) {
            throw new LatentfieldException("model file " + path + " cannot be read: " + e.getMessage() + ".", e);
        }
        try (DeviceOptional where = new DeviceOptional(device)) {
            return torch.load(path.toString(), where, false);
        } catch (RuntimeException e) {
            throw new LatentfieldException("model file " + path + " could not be loaded as a TorchScript archive: " + TorchErrors.cause(e) + ".", e);
        }
    }

    private static Method method(JitModule module, String name, Path path, String role) {
        try (PointerScope scope = new PointerScope()) {
            if (!module.find_method(name).has_value()) {
                String expected = role.equals("an autoencoder")
                        ? "methods encode(x) and decode(z) (mark them @torch.jit.export before torch.jit.script, or list them in"
                          + " torch.jit.trace_module), or pass an encoder/decoder pair with --decoder"
                        : "a forward method";
                throw new LatentfieldException("model file " + path + " has no method '" + name + "'; as " + role + " it must have "
                        + expected + ".");
            }
        }
        return module.get_method(name);
    }
}
