package org.latentfield.map.torch;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.global.torch;
import org.latentfield.LatentfieldException;
import org.latentfield.kernels.NativeLibraries;

/**
 * What a model's parameters say: their number, and the floating-point dtype the model computes
 * in, the dtype of its floating-point parameters (float32 for a model without any). Integer
 * parameters are ignored for the dtype; quantized or complex ones are refused, since latentfield
 * cannot feed them.
 *
 * @param type  the dtype inputs are cast to before decode/encode
 * @param note  set when the parameters mix dtypes (the first one is used)
 * @param count the number of parameter scalars over all modules
 */
record ModelParameters(torch.ScalarType type, Optional<String> note, long count) {
    static {
        NativeLibraries.prepare(); // before LibTorch loads, see NativeLibraries
    }

    static ModelParameters of(List<JitModule> modules, Path model) {
        Set<torch.ScalarType> seen = new LinkedHashSet<>();
        long count = 0;
        try (PointerScope scope = new PointerScope()) {
            for (JitModule m : modules) {
                var params = m.parameters(true);
                long size = params.size();
                var it = params.begin();
                for (long i = 0; i < size; i++, it = it.increment()) {
                    count += it.access().numel();
                    torch.ScalarType t = it.access().scalar_type().intern();
                    if (String.valueOf(t.name()).startsWith("Q") || String.valueOf(t.name()).startsWith("Complex")) {
                        throw new LatentfieldException("model file " + model + " has " + TorchShapes.dtypeName(t) + " parameters; latentfield runs"
                                + " float32, float64, float16 and bfloat16 models (dequantize, or export a floating-point model).");
                    }
                    if (TorchShapes.isSupportedFloat(t)) {
                        seen.add(t);
                    }
                }
            }
        }
        if (seen.isEmpty()) {
            return new ModelParameters(torch.ScalarType.Float, Optional.empty(), count);
        }
        torch.ScalarType first = seen.iterator().next();
        Optional<String> note = seen.size() == 1 ? Optional.empty()
                : Optional.of("model file " + model + " mixes parameter dtypes " + seen.stream().map(TorchShapes::dtypeName).toList()
                        + "; inputs are cast to " + TorchShapes.dtypeName(first) + ", the first");
        return new ModelParameters(first, note, count);
    }
}
