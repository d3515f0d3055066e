package dev.agentvoicebox.gateway.audio;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/** Picks the VAD engine at start-up: Silero when its model file is there, the energy VAD otherwise. */
public final class VadEngines {
    private static final Logger LOG = Logger.getLogger(VadEngines.class.getName());

    /** Where {@code make tools} puts the model, relative to the repository root. */
    public static final Path DEFAULT_MODEL = Path.of(".avb", "models", "silero_vad_v6.onnx");

    private VadEngines() {}

    /**
     * @param model the Silero v6 ONNX file ({@code AVB_VAD_MODEL}); null or missing → energy VAD
     * @throws IllegalStateException when the file exists but cannot be loaded: a broken model is a
     *                               configuration error, not a reason to quietly degrade
     */
    public static VadEngine load(Path model) {
        if (model == null || !Files.isRegularFile(model)) {
            LOG.warning(() -> "VAD model " + model + " not found: using the energy VAD (it cannot tell speech from"
                    + " other sound; run `make tools` to fetch Silero VAD)");
            return EnergyVad.ENGINE;
        }
        SileroVad.Engine engine = SileroVad.Engine.load(model);
        LOG.info(() -> "VAD: Silero v6 from " + model);
        return engine;
    }
}
