package org.latentfield.cli;

import java.io.PrintStream;
import java.util.Optional;
import org.latentfield.data.Datasets;
import org.latentfield.data.ImageSet;
import org.latentfield.map.ModelContract;

/**
 * Data sets loaded for one model: generated sets (noise) take the model's input shape, and every
 * set is checked against it by the contract ({@link ModelContract#checkData}) before anything
 * runs. A flat set fed to an image model is viewed in the model's C x H x W shape, so figures
 * show images; a C-order view is noted on stderr, anything else that does not fit is refused.
 */
final class ModelData {
    private ModelData() {}

    static ImageSet load(Datasets registry, String spec, ModelContract contract, PrintStream err) {
        ImageSet data = registry.load(spec, contract.input().dims());
        Optional<String> view = contract.checkData(data);
        if (view.isPresent()) {
            err.println(DeferredNotes.PREFIX + view.get() + ".");
            if (!data.isImages() && contract.input().rank() == 3) {
                return data.reshaped(contract.input().dims());
            }
        }
        return data;
    }
}
