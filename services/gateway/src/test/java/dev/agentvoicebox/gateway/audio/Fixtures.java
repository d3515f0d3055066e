package dev.agentvoicebox.gateway.audio;

import dev.agentvoicebox.platform.testing.FliteSpeech;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Test audio: generated silence and tones, speech synthesised with flite at test time, the VAD model. */
public final class Fixtures {
    private Fixtures() {}

    public static short[] silence(int ms) {
        return new short[ms * 16];
    }

    public static short[] tone(double hz, double amplitude, int ms, int rate) {
        short[] out = new short[ms * rate / 1000];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) Math.round(amplitude * 32767 * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return out;
    }

    /** {@code text} spoken by flite, as 16 kHz PCM16. */
    public static short[] speech(String text) throws Exception {
        return Pcm16.fromBytes(FliteSpeech.pcm16k(text));
    }

    public static short[] concat(short[]... parts) {
        short[] out = new short[0];
        for (short[] part : parts) {
            int at = out.length;
            out = Arrays.copyOf(out, at + part.length);
            System.arraycopy(part, 0, out, at, part.length);
        }
        return out;
    }

    /**
     * The Silero model: {@code -Davb.vad.model}, {@code AVB_VAD_MODEL}, or {@code .avb/models} of the
     * repository. Null when absent — but under CI (CI=true) its absence fails the test, since
     * {@code make test} runs {@code make tools}, which fetches it.
     */
    static Path sileroModel() throws IOException {
        String configured = System.getProperty("avb.vad.model", System.getenv("AVB_VAD_MODEL"));
        Path model = configured != null ? Path.of(configured) : repositoryModel();
        if (model != null && Files.isRegularFile(model)) {
            return model;
        }
        if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("Silero VAD model missing (" + model + "); `make tools` fetches it");
        }
        return null;
    }

    private static Path repositoryModel() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(VadEngines.DEFAULT_MODEL);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
