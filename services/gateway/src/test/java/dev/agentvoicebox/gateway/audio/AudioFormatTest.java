package dev.agentvoicebox.gateway.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class AudioFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void parsesGaObjectsAndBetaNames() throws Exception {
        assertEquals(
                AudioFormat.PCM, AudioFormat.fromGa(JSON.readTree("{\"type\":\"audio/pcm\",\"rate\":24000}"), "f"));
        assertEquals(AudioFormat.PCM, AudioFormat.fromGa(JSON.readTree("{\"type\":\"audio/pcm\"}"), "f"));
        assertEquals(AudioFormat.PCMU, AudioFormat.fromGa(JSON.readTree("{\"type\":\"audio/pcmu\"}"), "f"));
        assertEquals(AudioFormat.PCMA, AudioFormat.fromGa(JSON.readTree("{\"type\":\"audio/pcma\"}"), "f"));
        assertEquals(AudioFormat.PCM, AudioFormat.fromBeta("pcm16", "input_audio_format"));
        assertEquals(AudioFormat.PCMU, AudioFormat.fromBeta("g711_ulaw", "input_audio_format"));
        assertEquals(AudioFormat.PCMA, AudioFormat.fromBeta("g711_alaw", "input_audio_format"));
        assertEquals(8000, AudioFormat.PCMU.rate());
        assertEquals(24000, AudioFormat.PCM.rate());
    }

    @Test
    void refusesUnknownTypesAndRatesNamingTheParam() throws Exception {
        AudioException rate = assertThrows(
                AudioException.class,
                () -> AudioFormat.fromGa(
                        JSON.readTree("{\"type\":\"audio/pcm\",\"rate\":16000}"), "session.audio.input.format"));
        assertEquals("session.audio.input.format.rate", rate.param());
        assertEquals("invalid_value", rate.code());
        AudioException type = assertThrows(
                AudioException.class, () -> AudioFormat.fromGa(JSON.readTree("{\"type\":\"audio/opus\"}"), "f"));
        assertEquals("f.type", type.param());
        assertEquals(
                "missing_required_parameter",
                assertThrows(AudioException.class, () -> AudioFormat.fromGa(JSON.readTree("{}"), "f"))
                        .code());
        assertEquals(
                "input_audio_format",
                assertThrows(AudioException.class, () -> AudioFormat.fromBeta("mp3", "input_audio_format"))
                        .param());
    }

    @Test
    void decodesBase64WithClearErrors() throws Exception {
        short[] samples = {0, 1, -1, Short.MAX_VALUE, Short.MIN_VALUE, 1234};
        String b64 = Base64.getEncoder().encodeToString(Pcm16.toBytes(samples));
        assertArrayEquals(samples, AudioFormat.PCM.decode(AudioFormat.PCM.decodeBase64(b64, "audio")));
        assertEquals(b64, AudioFormat.PCM.encodeBase64(samples));

        AudioException odd = assertThrows(
                AudioException.class,
                () -> AudioFormat.PCM.decodeBase64(Base64.getEncoder().encodeToString(new byte[3]), "audio"));
        assertEquals("audio", odd.param());
        assertTrue(odd.getMessage().contains("even"), odd.getMessage());
        // G.711 has one byte a sample: three bytes are fine.
        assertEquals(3, AudioFormat.PCMU.decodeBase64(Base64.getEncoder().encodeToString(new byte[3]), "audio").length);

        AudioException bad =
                assertThrows(AudioException.class, () -> AudioFormat.PCM.decodeBase64("not base64!", "audio"));
        assertTrue(bad.getMessage().contains("base64"), bad.getMessage());

        String big = Base64.getEncoder().encodeToString(new byte[AudioFormat.MAX_AUDIO_BYTES + 2]);
        AudioException tooBig = assertThrows(AudioException.class, () -> AudioFormat.PCM.decodeBase64(big, "audio"));
        assertTrue(tooBig.getMessage().contains("15 MiB"), tooBig.getMessage());
        assertEquals(
                AudioFormat.MAX_AUDIO_BYTES,
                AudioFormat.PCM.decodeBase64(
                                Base64.getEncoder().encodeToString(new byte[AudioFormat.MAX_AUDIO_BYTES]), "audio")
                        .length);
    }

    @Test
    void pcm16IsLittleEndian() {
        assertArrayEquals(new byte[] {0x34, 0x12, (byte) 0xFF, (byte) 0xFF}, Pcm16.toBytes(new short[] {0x1234, -1}));
        assertThrows(IllegalArgumentException.class, () -> Pcm16.fromBytes(new byte[1]));
    }
}
