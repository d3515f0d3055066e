package dev.agentvoicebox.stt;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;

/** A RIFF/WAVE container around mono PCM16 little-endian, for engines that take files. */
final class Wav {
    private Wav() {}

    static byte[] of(byte[] pcm, int rate) {
        AudioFormat format = new AudioFormat(rate, 16, 1, true, false);
        ByteArrayOutputStream wav = new ByteArrayOutputStream(44 + pcm.length);
        try (AudioInputStream audio =
                new AudioInputStream(new ByteArrayInputStream(pcm), format, pcm.length / format.getFrameSize())) {
            AudioSystem.write(audio, AudioFileFormat.Type.WAVE, wav);
        } catch (IOException e) {
            throw new UncheckedIOException("writing WAV to memory", e);
        }
        return wav.toByteArray();
    }
}
