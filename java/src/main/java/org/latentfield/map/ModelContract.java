package org.latentfield.map;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.latentfield.LatentfieldException;
import org.latentfield.data.ImageSet;

/**
 * What an autoencoder is, as latentfield established it when loading it, and where each fact
 * came from. Every command receives the model through this one record (built by one loader), so
 * the shapes, dtype and mode it reports are the ones every analysis used.
 *
 * <p>A latent is handled as a flat row of k = prod(latent shape) values in C order; the map
 * reshapes rows to (N, *latent shape) before {@code decode} and flattens what {@code encode}
 * returns, so an NPY output of shape (N, k) reads back as the model's latents with
 * {@code numpy.reshape(a, (N, *latent_shape))}.
 *
 * @param model          the archive with encode/decode, or the encoder of a pair
 * @param decoder        the decoder of a pair, empty for one archive
 * @param input          the shape of one encoder input (C x H x W image or D vector)
 * @param inputSource    where it came from: "module attribute input_shape", "model card PATH",
 *                       "--input-shape", "decode output"
 * @param latent         the shape of one latent (k values, or e.g. 4 x 8 x 8)
 * @param latentSource   where it came from: "module attribute latent_shape" / "latent_dim",
 *                       "model card PATH", "--latent-shape", "encode output"
 * @param decoded        the shape of one item decode returns (may differ from {@code input}
 *                       when the encoder reshapes, e.g. decode -> 784, encode takes 1 x 28 x 28)
 * @param encodeOutput   "tensor", or "tuple of N (first element used)" for a VAE's (mu, logvar)
 * @param dtype          the model's floating-point dtype ("float32", "float64", "bfloat16", ...)
 * @param iterationDtype the dtype latentfield keeps iterates in
 * @param savedMode      "eval", "training" or "none (no training attribute)": the mode the
 *                       archive was saved in (it is always run in eval mode)
 * @param determinism    the result of the load-time check that f is deterministic and
 *                       batch-independent
 * @param parameters     number of parameter scalars over all modules
 * @param device         where the model runs, e.g. "cpu"
 * @param notes          what a user should know (switched to eval mode, casts), one sentence each
 */
public record ModelContract(Path model, Optional<Path> decoder, Shape input, String inputSource, Shape latent, String latentSource,
                            Shape decoded, String encodeOutput, String dtype, String iterationDtype, String savedMode,
                            String determinism, long parameters, String device, List<String> notes) {
    public ModelContract {
        notes = List.copyOf(notes);
    }

    /** k, the number of values of one latent. */
    public int latentDim() {
        return latent.size();
    }

    /**
     * Checks that items of {@code data} can be fed to the encoder. Equal shapes fit; so do shapes
     * that are equal once their sizes of 1 are dropped (1 x 28 x 28 and 28 x 28), and a flat set of
     * D values and an input of D values in any shape, either way: both are C-order views, as
     * {@code x.reshape(N, *input_shape)}. Anything else is refused with one sentence. Nothing is
     * ever resized, transposed or converted.
     *
     * @return a note when a view was applied, empty when the shapes are equal
     * @throws LatentfieldException when the shapes do not fit
     */
    public Optional<String> checkData(ImageSet data) {
        Shape item = Shape.of(data.shape());
        if (item.equals(input)) {
            return Optional.empty();
        }
        if (item.size() == input.size() && (item.isFlat() || input.isFlat() || squeezed(item).equals(squeezed(input)))) {
            return Optional.of(data.name() + " items of " + item + " are fed as " + input + " (a C-order reshape)");
        }
        throw new LatentfieldException("data " + data.name() + " holds items of " + item + " but the model " + model.getFileName()
                + " takes inputs of " + input + " (" + inputSource + "); latentfield does not resize or convert data: give a data set"
                + " of " + input + (input.rank() == 3 ? " images" : " vectors") + " or correct the model's input shape.");
    }

    private static List<Integer> squeezed(Shape s) {
        return s.toList().stream().filter(d -> d != 1).toList();
    }

    /** The facts for a summary.json, in a fixed order. */
    public Map<String, Object> facts() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", model.toString());
        decoder.ifPresent(d -> m.put("decoder", d.toString()));
        m.put("input_shape", input.toList());
        m.put("input_shape_source", inputSource);
        m.put("latent_shape", latent.toList());
        m.put("latent_dim", latentDim());
        m.put("latent_shape_source", latentSource);
        m.put("decoded_shape", decoded.toList());
        m.put("encode_output", encodeOutput);
        m.put("dtype", dtype);
        m.put("iteration_dtype", iterationDtype);
        m.put("saved_mode", savedMode);
        m.put("determinism", determinism);
        m.put("parameters", parameters);
        m.put("device", device);
        m.put("notes", notes);
        return m;
    }
}
