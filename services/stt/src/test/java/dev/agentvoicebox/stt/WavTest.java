package dev.agentvoicebox.stt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;

class WavTest {
    @Test
    void isTheCanonical44ByteHeaderThenTheSamples() throws Exception {
        byte[] pcm = new byte[3200];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (byte) (i * 7);
        }
        byte[] wav = Wav.of(pcm, 16_000);

        // What pocketsphinx and Whisper servers read: RIFF, a 16-byte PCM fmt chunk, then data.
        ByteBuffer header = ByteBuffer.wrap(wav, 0, 44).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(44 + pcm.length, wav.length);
        assertEquals("RIFF", new String(wav, 0, 4));
        assertEquals(36 + pcm.length, header.getInt(4));
        assertEquals("WAVEfmt ", new String(wav, 8, 8));
        assertEquals(16, header.getInt(16));
        assertEquals(1, header.getShort(20), "PCM");
        assertEquals(1, header.getShort(22), "mono");
        assertEquals(16_000, header.getInt(24));
        assertEquals(32_000, header.getInt(28), "bytes per second");
        assertEquals(2, header.getShort(32), "block align");
        assertEquals(16, header.getShort(34), "bits per sample");
        assertEquals("data", new String(wav, 36, 4));
        assertEquals(pcm.length, header.getInt(40));

        try (AudioInputStream read = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
            assertEquals(
                    new AudioFormat(16_000, 16, 1, true, false).toString(),
                    read.getFormat().toString());
            assertArrayEquals(pcm, read.readAllBytes());
        }
    }
}
