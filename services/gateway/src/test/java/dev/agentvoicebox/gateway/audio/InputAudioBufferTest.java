package dev.agentvoicebox.gateway.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class InputAudioBufferTest {
    private static final long CAPACITY = 32L * 1024 * 1024;

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    @Test
    void appendsPcmIn20MsChunksKeepingTheOriginalAndA16kCopy() throws Exception {
        InputAudioBuffer buffer = new InputAudioBuffer(AudioFormat.PCM, 0, CAPACITY);
        short[] tone = Fixtures.tone(1000, 0.5, 1000, 24000);
        int produced = 0;
        for (int at = 0; at < tone.length; at += 480) {
            produced += buffer.append(b64(Pcm16.toBytes(Arrays.copyOfRange(tone, at, at + 480)))).length;
        }
        assertEquals(1000, buffer.writtenMs());
        // The resampler holds back a couple of ms of filter lookahead.
        assertTrue(produced > 15_900 && produced <= 16_000, "16 kHz samples " + produced);

        InputAudioBuffer.Committed turn = buffer.commit();
        assertEquals(0, turn.audioStartMs());
        assertEquals(1000, turn.audioEndMs());
        assertArrayEquals(Pcm16.toBytes(tone), turn.original(), "original kept byte for byte");
        assertEquals(produced, turn.pcm16k().length);
        assertEquals(0, buffer.bufferedMs());
        assertEquals(1000, buffer.writtenMs(), "the session clock keeps counting after a commit");
    }

    @Test
    void commitUnder100MsIsEmptyAndKeepsTheAudio() throws Exception {
        InputAudioBuffer buffer = new InputAudioBuffer(AudioFormat.PCMU, 0, CAPACITY);
        buffer.append(b64(new byte[8 * 99]));
        assertNull(buffer.commit());
        assertEquals(99, buffer.bufferedMs());
        buffer.append(b64(new byte[8]));
        assertEquals(100, buffer.commit().durationMs());
    }

    @Test
    void vadTurnCommitsARangeAndLeavesTheRest() throws Exception {
        InputAudioBuffer buffer = new InputAudioBuffer(AudioFormat.PCMA, 5000, CAPACITY);
        byte[] second = new byte[8000];
        for (int i = 0; i < second.length; i++) {
            second[i] = (byte) i;
        }
        buffer.append(b64(second));
        buffer.append(b64(second));
        assertEquals(7000, buffer.writtenMs());

        InputAudioBuffer.Committed turn = buffer.commit(5250, 6500);
        assertEquals(5250, turn.audioStartMs());
        assertEquals(6500, turn.audioEndMs());
        assertArrayEquals(Arrays.copyOfRange(concat(second, second), 2000, 12000), turn.original());
        assertEquals(1250 * 16, turn.pcm16k().length, 16);
        assertEquals(500, buffer.bufferedMs(), "the audio after speech stopped stays");

        InputAudioBuffer.Committed rest = buffer.commit();
        assertArrayEquals(Arrays.copyOfRange(second, 4000, 8000), rest.original());
        assertEquals(6500, rest.audioStartMs());
    }

    @Test
    void clearDropsTheAudioButNotTheClock() throws Exception {
        InputAudioBuffer buffer = new InputAudioBuffer(AudioFormat.PCM, 0, CAPACITY);
        buffer.append(b64(new byte[48_000]));
        buffer.clear();
        assertEquals(0, buffer.bufferedMs());
        assertEquals(1000, buffer.writtenMs());
        buffer.append(b64(new byte[24_000]));
        InputAudioBuffer.Committed turn = buffer.commit();
        assertEquals(1000, turn.audioStartMs());
        assertEquals(24_000, turn.original().length);
    }

    @Test
    void badAudioIsRefusedAndAppendsNothing() {
        InputAudioBuffer buffer = new InputAudioBuffer(AudioFormat.PCM, 0, CAPACITY);
        AudioException odd = assertThrows(AudioException.class, () -> buffer.append(b64(new byte[481])));
        assertEquals("audio", odd.param());
        assertThrows(AudioException.class, () -> buffer.append("%%%"));
        assertEquals(0, buffer.writtenMs());
    }

    @Test
    void g711InputReachesTheEngineAt16kWithItsLevel() throws Exception {
        InputAudioBuffer buffer = new InputAudioBuffer(AudioFormat.PCMU, 0, CAPACITY);
        short[] tone = Fixtures.tone(440, 0.5, 1000, 8000);
        buffer.append(b64(G711.encodeUlaw(tone)));
        short[] at16k = buffer.commit().pcm16k();
        double rms = 0;
        for (int i = 1600; i < 14_400; i++) {
            rms += (double) at16k[i] * at16k[i];
        }
        rms = Math.sqrt(rms / (14_400 - 1600)) / 32767;
        assertEquals(0.5 / Math.sqrt(2), rms, 0.01);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void discardingOldAudioKeepsTheClockAndTheTimesOfWhatIsLeft() throws Exception {
        InputAudioBuffer buffer = new InputAudioBuffer(AudioFormat.PCMU, 2000, CAPACITY);
        byte[] second = new byte[8000];
        for (int i = 0; i < second.length; i++) {
            second[i] = (byte) (i / 8);
        }
        for (int i = 0; i < 600; i++) {
            buffer.discardBefore(buffer.writtenMs() - 300);
            buffer.append(b64(second));
        }
        assertEquals(2000 + 600_000, buffer.writtenMs());
        assertEquals(1300, buffer.bufferedMs(), "300 ms of padding and the last append");
        assertTrue(buffer.heldBytes() < 64 * 1024, "held " + buffer.heldBytes());

        InputAudioBuffer.Committed turn = buffer.commit(601_700, 602_000);
        assertEquals(601_700, turn.audioStartMs());
        assertEquals(602_000, turn.audioEndMs());
        assertArrayEquals(Arrays.copyOfRange(second, 5600, 8000), turn.original(), "the bytes of those times");
        assertEquals(300 * 16, turn.pcm16k().length, 64, "less the resampler's lookahead at the end");
    }

    @Test
    void aLongTurnsRoomIsGivenBackOnceTheBufferHoldsLittleAgain() throws Exception {
        InputAudioBuffer buffer = new InputAudioBuffer(AudioFormat.PCM, 0, CAPACITY);
        String second = b64(new byte[48_000]);
        for (int i = 0; i < 120; i++) {
            buffer.append(second);
        }
        assertTrue(buffer.heldBytes() > 9_000_000, "two minutes in both copies: " + buffer.heldBytes());
        buffer.commit();
        buffer.append(second);
        assertTrue(buffer.heldBytes() < 200_000, "held " + buffer.heldBytes());
    }

    @Test
    void aFullBufferRefusesTheAppendWithAClearErrorAndKeepsWhatItHeld() throws Exception {
        // 1 s of 24 kHz PCM costs 48 000 bytes and 32 000 for the 16 kHz copy.
        InputAudioBuffer buffer = new InputAudioBuffer(AudioFormat.PCM, 0, 250_000);
        String second = b64(new byte[48_000]);
        buffer.append(second);
        buffer.append(second);
        buffer.append(second);
        AudioException full = assertThrows(AudioException.class, () -> buffer.append(second));
        assertEquals("input_audio_buffer_full", full.code());
        assertTrue(full.getMessage().contains("3000 ms"), full.getMessage());
        assertEquals(3000, buffer.writtenMs(), "nothing of the refused append counts");
        assertEquals(3 * 48_000, buffer.commit().original().length);
        buffer.append(second);
        assertEquals(4000, buffer.writtenMs(), "after a commit there is room again");
    }
}
