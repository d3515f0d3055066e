package dev.agentvoicebox.gateway.voice;

import dev.agentvoicebox.gateway.Ids;
import dev.agentvoicebox.gateway.audio.AudioException;
import dev.agentvoicebox.gateway.audio.AudioFormat;
import dev.agentvoicebox.gateway.audio.InputAudioBuffer;
import dev.agentvoicebox.gateway.audio.TurnDetection;
import dev.agentvoicebox.gateway.audio.TurnDetector;
import dev.agentvoicebox.gateway.audio.VadEngine;
import dev.agentvoicebox.gateway.realtime.InputSettings;
import java.util.List;

/**
 * A session's input audio: the buffer in the session's input format and, unless turns are manual,
 * the turn detector fed from it. Follows session.update: a new format starts a new buffer at the
 * same audio time, a new turn_detection retunes (or removes) the detector.
 */
public final class InputAudio implements AutoCloseable {
    private final VadEngine vadEngine;
    private final long bufferBytes;
    private InputAudioBuffer buffer;
    private TurnDetector detector;
    /** The id the next user audio item gets, announced already in speech_started. */
    private String nextItemId;
    /**
     * When the client will have played the assistant audio sent so far, in input audio time: each
     * sentence queues behind the one before, or starts now when playback has caught up.
     */
    private long playbackEndMs;

    /** @param bufferBytes what the input audio buffer may hold (both its copies) */
    public InputAudio(VadEngine vadEngine, long bufferBytes, InputSettings settings) {
        this.vadEngine = vadEngine;
        this.bufferBytes = bufferBytes;
        configure(settings);
    }

    /** Applies {@code audio.input} of the session (already validated). */
    public void configure(InputSettings settings) {
        AudioFormat format = settings.format();
        long now = buffer == null ? 0 : buffer.writtenMs();
        if (buffer == null || buffer.format() != format) {
            buffer = new InputAudioBuffer(format, now, bufferBytes);
        }
        TurnDetection turns = settings.turnDetection();
        if (turns == null) {
            if (detector != null) {
                detector.close();
                detector = null;
            }
        } else if (detector == null) {
            detector = new TurnDetector(vadEngine.open(), turns, now);
        } else {
            detector.configure(turns);
        }
    }

    /** Appends the client's audio; returns what the turn detector saw in it (none for manual turns). */
    List<TurnDetector.Event> append(String base64) throws AudioException {
        if (detector != null) {
            // The turns found so far are committed: between turns only the padding can still be used.
            buffer.discardBefore(detector.neededFromMs());
        }
        short[] at16k = buffer.append(base64);
        return detector == null ? List.of() : detector.feed(at16k);
    }

    InputAudioBuffer.Committed commitTurn(long fromMs, long toMs) {
        return buffer.commit(fromMs, toMs);
    }

    /** The whole buffer, for a client commit; null when it holds under 100 ms. */
    InputAudioBuffer.Committed commitAll() {
        InputAudioBuffer.Committed committed = buffer.commit();
        if (committed != null && detector != null) {
            detector.reset(buffer.writtenMs());
        }
        return committed;
    }

    long bufferedMs() {
        return buffer.bufferedMs();
    }

    void clear() {
        buffer.clear();
        if (detector != null) {
            detector.reset(buffer.writtenMs());
        }
    }

    /** Counts a sentence of assistant audio the client was sent into its playback. */
    public void assistantSpoke(long durationMs) {
        playbackEndMs = Math.max(playbackEndMs, buffer.writtenMs()) + durationMs;
    }

    /** The client cut the assistant's audio short (a truncate): what was queued will not play. */
    public void playbackStopped() {
        playbackEndMs = Math.min(playbackEndMs, buffer.writtenMs());
    }

    /**
     * The last response ended: the idle timer (server_vad idle_timeout_ms) starts when its audio has
     * finished playing, as the client hears it, not when the last byte of it was sent.
     */
    public void assistantFinished() {
        if (detector != null) {
            detector.armIdleTimeout(Math.max(buffer.writtenMs(), playbackEndMs));
        }
    }

    /** A response began, so the user is not being left waiting: no idle timeout until it ends. */
    public void responseStarted() {
        if (detector != null) {
            detector.disarmIdleTimeout();
        }
    }

    String nextItemId() {
        if (nextItemId == null) {
            nextItemId = Ids.item();
        }
        return nextItemId;
    }

    /** The announced id, now used by a committed item: the next turn gets a new one. */
    String takeItemId() {
        String id = nextItemId();
        nextItemId = null;
        return id;
    }

    @Override
    public void close() {
        if (detector != null) {
            detector.close();
        }
    }
}
