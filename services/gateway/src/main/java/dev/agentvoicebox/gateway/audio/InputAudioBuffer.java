package dev.agentvoicebox.gateway.audio;

import dev.agentvoicebox.platform.audio.Resampler;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A session's input audio buffer ({@code input_audio_buffer.*}). It keeps what the client sent in its
 * own format (for the user item's audio) and the same audio as 16 kHz PCM16 (for the VAD and the stt
 * worker), and counts the audio written since the session started, which is the clock of
 * {@code audio_start_ms} / {@code audio_end_ms}.
 *
 * <p>One buffer has one input format: when {@code audio.input.format} changes the gateway starts a
 * new buffer at {@link #writtenMs()}. Not thread-safe.
 */
public final class InputAudioBuffer {
    /** Less than this cannot be committed: {@code input_audio_buffer_commit_empty}. */
    public static final long MIN_COMMIT_MS = 100;

    public static final int ENGINE_RATE = 16_000;

    /** A committed turn. Times are session audio ms; {@code original} is in {@code format}. */
    public record Committed(AudioFormat format, byte[] original, short[] pcm16k, long audioStartMs, long audioEndMs) {
        public long durationMs() {
            return audioEndMs - audioStartMs;
        }

        /** 16 kHz PCM16 little-endian bytes, for an {@code stt.request}. */
        public byte[] pcm16kBytes() {
            return Pcm16.toBytes(pcm16k);
        }
    }

    private final AudioFormat format;
    private final Resampler toEngine;
    /** Session audio time of the first sample this buffer was made at. */
    private final long originMs;

    private final ByteArrayOutputStream original = new ByteArrayOutputStream();
    /** Grown on the first append: a text-only session never pays for audio room. */
    private short[] pcm = new short[0];

    private int pcmLength;
    /** Samples (at the format rate) written to this buffer object ever, including cleared ones. */
    private long writtenSamples;
    /** Session audio time where the buffer's current content starts. */
    private long startMs;

    /** @param originMs session audio time so far (0 for a new session) */
    public InputAudioBuffer(AudioFormat format, long originMs) {
        this.format = format;
        this.toEngine = new Resampler(format.rate(), ENGINE_RATE);
        this.originMs = originMs;
        this.startMs = originMs;
    }

    public AudioFormat format() {
        return format;
    }

    /**
     * Appends a client's base64 audio ({@code input_audio_buffer.append}); returns the new audio as
     * 16 kHz samples for the {@link TurnDetector}.
     *
     * @throws AudioException bad base64, over 15 MiB or half a PCM16 sample; nothing is appended
     */
    public short[] append(String base64) throws AudioException {
        byte[] bytes = format.decodeBase64(base64, "audio");
        return appendBytes(bytes);
    }

    /** Appends already-decoded bytes in the buffer's format. */
    public short[] appendBytes(byte[] bytes) {
        original.write(bytes, 0, bytes.length);
        short[] samples = format.decode(bytes);
        writtenSamples += samples.length;
        short[] at16k = toEngine.process(samples);
        if (pcmLength + at16k.length > pcm.length) {
            pcm = Arrays.copyOf(pcm, Math.max(pcmLength + at16k.length, pcm.length * 2));
        }
        System.arraycopy(at16k, 0, pcm, pcmLength, at16k.length);
        pcmLength += at16k.length;
        return at16k;
    }

    /** Session audio time at the end of what was written: the clock of the VAD events. */
    public long writtenMs() {
        return originMs + Pcm16.millis(writtenSamples, format.rate());
    }

    /** Audio currently held, in ms. */
    public long bufferedMs() {
        return writtenMs() - startMs;
    }

    /** Whether {@link #commit()} would have enough audio (100 ms or more). */
    public boolean canCommit() {
        return bufferedMs() >= MIN_COMMIT_MS;
    }

    /**
     * Commits everything held ({@code input_audio_buffer.commit}); null when under 100 ms, which the
     * gateway answers with {@code input_audio_buffer_commit_empty} (the buffer is left as it was).
     */
    public Committed commit() {
        if (!canCommit()) {
            return null;
        }
        return commit(startMs, writtenMs());
    }

    /**
     * Commits the audio between two session times (a VAD turn: speech start with its padding to
     * speech stop). Audio before {@code fromMs} is dropped; audio after {@code toMs} stays for the
     * next turn. Times are clamped to what the buffer holds.
     */
    public Committed commit(long fromMs, long toMs) {
        long from = Math.max(startMs, Math.min(fromMs, writtenMs()));
        long to = Math.max(from, Math.min(toMs, writtenMs()));
        int bps = format.bytesPerSample();
        byte[] all = original.toByteArray();
        int originalFrom = (int) Math.min(all.length, (from - startMs) * format.rate() / 1000 * bps);
        int originalTo = (int) Math.min(all.length, (to - startMs) * format.rate() / 1000 * bps);
        int pcmFrom = (int) Math.min(pcmLength, (from - startMs) * ENGINE_RATE / 1000);
        int pcmTo = (int) Math.min(pcmLength, (to - startMs) * ENGINE_RATE / 1000);
        Committed committed = new Committed(
                format,
                Arrays.copyOfRange(all, originalFrom, originalTo),
                Arrays.copyOfRange(pcm, pcmFrom, pcmTo),
                from,
                to);

        original.reset();
        original.write(all, originalTo, all.length - originalTo);
        System.arraycopy(pcm, pcmTo, pcm, 0, pcmLength - pcmTo);
        pcmLength -= pcmTo;
        startMs = to;
        return committed;
    }

    /** Drops everything held ({@code input_audio_buffer.clear}); the session clock keeps running. */
    public void clear() {
        original.reset();
        pcmLength = 0;
        startMs = writtenMs();
    }
}
