package dev.agentvoicebox.platform.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;

/**
 * Speech fixtures synthesised with flite at test time ({@code make tools} installs it). Its 16 kHz
 * {@code kal16} voice is the one pocketsphinx recognises well; espeak's is not. Without flite the
 * test stops as {@link Prerequisites#missing} says.
 */
public final class FliteSpeech {
    private FliteSpeech() {}

    /** {@code text} spoken by flite: 16 kHz mono PCM16, little-endian bytes. */
    public static byte[] pcm16k(String text) throws Exception {
        Path binary = Prerequisites.onPath("flite");
        Path dir = Files.createDirectories(Path.of("target", "tmp"));
        Path wav = Files.createTempFile(dir, "speech", ".wav");
        try {
            Process flite = new ProcessBuilder(binary.toString(), "-voice", "kal16", "-t", text, "-o", wav.toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(flite.getInputStream().readAllBytes());
            if (!flite.waitFor(30, TimeUnit.SECONDS) || flite.exitValue() != 0) {
                throw new IllegalStateException("flite failed (make tools installs it): " + out);
            }
            try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
                if (in.getFormat().getSampleRate() != 16_000 || in.getFormat().getChannels() != 1) {
                    throw new IllegalStateException("flite kal16 should write 16 kHz mono, got " + in.getFormat());
                }
                return in.readAllBytes();
            }
        } finally {
            Files.deleteIfExists(wav);
        }
    }
}
