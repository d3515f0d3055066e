package dev.agentvoicebox.stt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;

import dev.agentvoicebox.platform.Cancellation;

/** Speech fixtures synthesised with flite at test time (its 16 kHz voice; pocketsphinx hears flite well). */
final class Speech {
    private Speech() {
    }

    /** 16 kHz mono PCM16 little-endian bytes of {@code text}. */
    static byte[] pcm16k(String text) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "tmp"));
        Path wav = Files.createTempFile(dir, "speech", ".wav");
        try {
            Process flite = new ProcessBuilder("flite", "-voice", "kal16", "-t", text, "-o", wav.toString())
                    .redirectErrorStream(true).start();
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

    static final Cancellation NEVER = new Cancellation() {
        @Override
        public boolean cancelled() {
            return false;
        }

        @Override
        public void onCancel(Runnable action) {
        }
    };
}
