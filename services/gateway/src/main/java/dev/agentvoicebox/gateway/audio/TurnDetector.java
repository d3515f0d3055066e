package dev.agentvoicebox.gateway.audio;

import java.util.ArrayList;
import java.util.List;

/**
 * Server-side turn detection over 16 kHz audio, in audio time: every millisecond is a millisecond of
 * audio the client wrote, counted from the start of the session, so {@code audio_start_ms} /
 * {@code audio_end_ms} line up with the {@link InputAudioBuffer}.
 *
 * <p>Speech starts at the first frame whose probability reaches the threshold; the reported start
 * goes back {@code prefix_padding_ms} (never before the last commit or clear). It stops once frames
 * stay below {@code threshold - 0.15} (hysteresis, as Silero's own iterator does, so a word's soft
 * tail does not end the turn) for {@code silence_duration_ms}; the reported end is where that quiet
 * began. With {@code idle_timeout_ms} set, {@link #armIdleTimeout(long)} (called when the assistant's
 * audio has finished playing) starts a timer in audio time that speech disarms.
 *
 * <p>One per session; not thread-safe.
 */
public final class TurnDetector implements AutoCloseable {
    /** What {@link #feed(short[])} found. */
    public sealed interface Event permits SpeechStarted, SpeechStopped, Timeout {}

    /** → {@code input_audio_buffer.speech_started} (audio_start_ms includes the prefix padding). */
    public record SpeechStarted(long audioStartMs) implements Event {}

    /** → {@code input_audio_buffer.speech_stopped}, then commit the turn [start, end). */
    public record SpeechStopped(long audioStartMs, long audioEndMs) implements Event {}

    /** → {@code input_audio_buffer.timeout_triggered}. */
    public record Timeout(long audioStartMs, long audioEndMs) implements Event {}

    /** About a second of audio. */
    private static final int YIELD_FRAMES = 32;

    private final Vad vad;
    private TurnDetection config;
    private final short[] pending = new short[Vad.FRAME_SAMPLES];
    private int pendingLength;
    /** Audio fed so far, in 16 kHz samples since the session started. */
    private long samples;

    private long frames;

    private long floorMs;
    private boolean speaking;
    private long speechStartMs;
    private long quietSinceMs = -1;
    private long idleSinceMs = -1;

    /**
     * @param vad     this session's VAD stream (closed with the detector)
     * @param startMs the session's audio time of the first sample fed (0 for a new session)
     */
    public TurnDetector(Vad vad, TurnDetection config, long startMs) {
        this.vad = vad;
        this.config = config;
        this.samples = startMs * Vad.SAMPLE_RATE / 1000;
        this.floorMs = startMs;
    }

    /** Takes a session.update's new timing; a turn in progress continues under it. */
    public void configure(TurnDetection newConfig) {
        this.config = newConfig;
    }

    public boolean speaking() {
        return speaking;
    }

    /** Audio time fed so far, ms since the session started. */
    public long nowMs() {
        return samples * 1000 / Vad.SAMPLE_RATE;
    }

    /**
     * The earliest session audio time a later event can still reach back to: the start of the turn
     * in progress, or else the prefix padding before the next frame (and where an armed idle timer
     * started, whose timeout commits the audio since). The buffer may drop what comes before.
     */
    public long neededFromMs() {
        if (speaking) {
            return speechStartMs;
        }
        long next = Math.max(floorMs, nowMs() - config.prefixPaddingMs());
        return idleSinceMs >= 0 && config.idleTimeoutMs() > 0 ? Math.min(next, idleSinceMs) : next;
    }

    /** Feeds 16 kHz PCM16; returns what happened in it, in order. */
    public List<Event> feed(short[] pcm16k) {
        List<Event> events = new ArrayList<>(1);
        int at = 0;
        while (at < pcm16k.length) {
            int n = Math.min(Vad.FRAME_SAMPLES - pendingLength, pcm16k.length - at);
            System.arraycopy(pcm16k, at, pending, pendingLength, n);
            pendingLength += n;
            at += n;
            if (pendingLength == Vad.FRAME_SAMPLES) {
                long frameStartMs = samples * 1000 / Vad.SAMPLE_RATE;
                samples += Vad.FRAME_SAMPLES;
                pendingLength = 0;
                frame(vad.speechProbability(Pcm16.toFloats(pending, 0, Vad.FRAME_SAMPLES)), frameStartMs, events);
                if (++frames % YIELD_FRAMES == 0) {
                    // A virtual thread is not preempted: minutes of audio in one append let others run between.
                    Thread.yield();
                }
            }
        }
        return events;
    }

    private void frame(float probability, long frameStartMs, List<Event> events) {
        long frameEndMs = frameStartMs + Vad.FRAME_MS;
        if (config == null) {
            return;
        }
        if (!speaking) {
            if (probability >= config.threshold()) {
                speaking = true;
                quietSinceMs = -1;
                idleSinceMs = -1;
                speechStartMs = Math.max(floorMs, frameStartMs - config.prefixPaddingMs());
                events.add(new SpeechStarted(speechStartMs));
            } else if (idleSinceMs >= 0
                    && config.idleTimeoutMs() > 0
                    && frameEndMs - idleSinceMs >= config.idleTimeoutMs()) {
                events.add(new Timeout(idleSinceMs, frameEndMs));
                idleSinceMs = -1;
            }
            return;
        }
        if (probability < Math.max(0.01, config.threshold() - 0.15)) {
            if (quietSinceMs < 0) {
                quietSinceMs = frameStartMs;
            }
            if (frameEndMs - quietSinceMs >= config.silenceDurationMs()) {
                speaking = false;
                events.add(new SpeechStopped(speechStartMs, quietSinceMs));
                floorMs = quietSinceMs;
                quietSinceMs = -1;
            }
        } else {
            quietSinceMs = -1;
        }
    }

    /**
     * Starts the idle timer at audio time {@code sinceMs} (when the assistant's audio ended): if no
     * speech starts within {@code idle_timeout_ms} of audio, {@link #feed} reports a {@link Timeout}.
     */
    public void armIdleTimeout(long sinceMs) {
        // While the user speaks, their turn (and the response to it) comes first; that response re-arms.
        if (!speaking) {
            idleSinceMs = sinceMs;
        }
    }

    public void disarmIdleTimeout() {
        idleSinceMs = -1;
    }

    /**
     * After input_audio_buffer.commit / .clear by the client: a turn in progress is dropped and the
     * next speech start cannot reach back before {@code atMs}.
     */
    public void reset(long atMs) {
        speaking = false;
        quietSinceMs = -1;
        floorMs = Math.max(floorMs, atMs);
        vad.reset();
    }

    @Override
    public void close() {
        vad.close();
    }
}
