package dev.agentvoicebox.gateway.audio;

import dev.agentvoicebox.platform.audio.Resampler;
import java.util.Arrays;

/**
 * A session's input audio buffer ({@code input_audio_buffer.*}). It keeps what the client sent in its
 * own format (for the user item's audio) and the same audio as 16 kHz PCM16 (for the VAD and the stt
 * worker), and counts the audio written since the session started, which is the clock of
 * {@code audio_start_ms} / {@code audio_end_ms}.
 *
 * <p>What it holds is a window of that clock: commits, clears and {@link #discardBefore} move its
 * start, never the clock. Its memory (both copies) is capped; an append past the cap is refused.
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

    private final long capacityBytes;
    /** The client's bytes, in samples at the format's rate. */
    private final Window original;
    /** The same audio at 16 kHz, as PCM16 bytes. */
    private final Window pcm = new Window(2, ENGINE_RATE);

    /**
     * @param originMs      session audio time so far (0 for a new session)
     * @param capacityBytes the audio it may hold, both copies together
     */
    public InputAudioBuffer(AudioFormat format, long originMs, long capacityBytes) {
        this.format = format;
        this.toEngine = new Resampler(format.rate(), ENGINE_RATE);
        this.originMs = originMs;
        this.capacityBytes = capacityBytes;
        this.original = new Window(format.bytesPerSample(), format.rate());
    }

    public AudioFormat format() {
        return format;
    }

    /**
     * Appends a client's base64 audio ({@code input_audio_buffer.append}); returns the new audio as
     * 16 kHz samples for the {@link TurnDetector}.
     *
     * @throws AudioException bad base64, over 15 MiB, half a PCM16 sample, or a full buffer; nothing
     *     is appended
     */
    public short[] append(String base64) throws AudioException {
        byte[] bytes = format.decodeBase64(base64, "audio");
        long samples = bytes.length / format.bytesPerSample();
        // Checked before resampling, which keeps state: the 16 kHz copy's size is known from the count.
        long held = original.length + pcm.length + bytes.length + 2 * (samples * ENGINE_RATE / format.rate() + 1);
        if (held > capacityBytes) {
            throw new AudioException(
                    "input_audio_buffer_full",
                    null,
                    "The input audio buffer is full: it holds " + bufferedMs()
                            + " ms of audio and this append would take it past its limit of "
                            + capacityBytes / 1024 + " KiB. Commit or clear the buffer first; nothing in this event "
                            + "was appended.");
        }
        original.append(bytes);
        short[] at16k = resample(format.decode(bytes));
        pcm.append(Pcm16.toBytes(at16k));
        return at16k;
    }

    /**
     * Resamples in slices of a second. The resampler keeps its input as doubles in an array it
     * never shrinks, so one large append would leave minutes of room in it for good; and a virtual
     * thread is not preempted, so a long append yields between slices to the sessions that share
     * its carrier thread.
     */
    private short[] resample(short[] samples) {
        if (samples.length <= format.rate()) {
            return toEngine.process(samples);
        }
        short[] out = new short[(int) ((long) samples.length * ENGINE_RATE / format.rate()) + 64];
        int length = 0;
        for (int at = 0; at < samples.length; at += format.rate()) {
            short[] part =
                    toEngine.process(Arrays.copyOfRange(samples, at, Math.min(samples.length, at + format.rate())));
            if (length + part.length > out.length) {
                out = Arrays.copyOf(out, length + part.length);
            }
            System.arraycopy(part, 0, out, length, part.length);
            length += part.length;
            Thread.yield();
        }
        return length == out.length ? out : Arrays.copyOf(out, length);
    }

    /** Session audio time at the end of what was written: the clock of the VAD events. */
    public long writtenMs() {
        return originMs + Pcm16.millis(original.written, format.rate());
    }

    /** Audio currently held, in ms. */
    public long bufferedMs() {
        return writtenMs() - startMs();
    }

    private long startMs() {
        return originMs + Pcm16.millis(original.first, format.rate());
    }

    /** Memory the buffer's arrays take, in bytes. */
    public long heldBytes() {
        return original.data.length + pcm.data.length;
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
        Committed committed =
                new Committed(format, original.held(), Pcm16.fromBytes(pcm.held()), startMs(), writtenMs());
        clear();
        return committed;
    }

    /**
     * Commits the audio between two session times (a VAD turn: speech start with its padding to
     * speech stop). Audio before {@code fromMs} is dropped; audio after {@code toMs} stays for the
     * next turn. Times are clamped to what the buffer holds.
     */
    public Committed commit(long fromMs, long toMs) {
        long from = Math.max(startMs(), Math.min(fromMs, writtenMs()));
        long to = Math.max(from, Math.min(toMs, writtenMs()));
        Committed committed = new Committed(
                format,
                original.between(from - originMs, to - originMs),
                Pcm16.fromBytes(pcm.between(from - originMs, to - originMs)),
                from,
                to);
        discardBefore(to);
        return committed;
    }

    /**
     * Drops the audio before session time {@code ms}: what turn detection can no longer reach back
     * to. The clock and the audio after it stay as they are.
     */
    public void discardBefore(long ms) {
        original.discardBefore(ms - originMs);
        pcm.discardBefore(ms - originMs);
    }

    /** Drops everything held ({@code input_audio_buffer.clear}); the session clock keeps running. */
    public void clear() {
        original.discardAll();
        pcm.discardAll();
    }

    /**
     * Audio written since the buffer's origin, of which a suffix is held. Discarding moves a head
     * through the array; the array is rebuilt when an append does not fit behind it, or when it is
     * far larger than what is held (after a long turn), so its size follows what is held.
     */
    private static final class Window {
        private final int sampleBytes;
        private final int rate;
        private byte[] data = new byte[0];
        private int head;
        private int length;
        /** Samples written since the origin, and the first of them still held. */
        private long written;

        private long first;

        Window(int sampleBytes, int rate) {
            this.sampleBytes = sampleBytes;
            this.rate = rate;
        }

        void append(byte[] more) {
            int needed = length + more.length;
            if (data.length < needed || data.length > 4L * needed + 4096) {
                byte[] resized = new byte[(int) Math.min(Integer.MAX_VALUE - 8, needed + needed / 4L + 1024)];
                System.arraycopy(data, head, resized, 0, length);
                data = resized;
                head = 0;
            } else if (head + needed > data.length) {
                System.arraycopy(data, head, data, 0, length);
                head = 0;
            }
            System.arraycopy(more, 0, data, head + length, more.length);
            length = needed;
            written += more.length / sampleBytes;
        }

        /** The first held sample at or after {@code ms} past the origin. */
        private long sampleAt(long ms) {
            return Math.min(written, Math.max(first, ms * rate / 1000));
        }

        byte[] between(long fromMs, long toMs) {
            int from = head + (int) ((sampleAt(fromMs) - first) * sampleBytes);
            int to = head + (int) ((sampleAt(toMs) - first) * sampleBytes);
            return Arrays.copyOfRange(data, from, to);
        }

        byte[] held() {
            return Arrays.copyOfRange(data, head, head + length);
        }

        void discardBefore(long ms) {
            long sample = sampleAt(ms);
            int bytes = (int) ((sample - first) * sampleBytes);
            head += bytes;
            length -= bytes;
            first = sample;
        }

        void discardAll() {
            first = written;
            data = new byte[0];
            head = 0;
            length = 0;
        }
    }
}
