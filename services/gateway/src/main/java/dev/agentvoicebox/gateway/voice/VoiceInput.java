package dev.agentvoicebox.gateway.voice;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Events;
import dev.agentvoicebox.gateway.Fields;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.gateway.SessionContext;
import dev.agentvoicebox.gateway.access.SessionAccess;
import dev.agentvoicebox.gateway.audio.AudioException;
import dev.agentvoicebox.gateway.audio.InputAudioBuffer;
import dev.agentvoicebox.gateway.audio.TurnDetector;
import dev.agentvoicebox.gateway.conversation.ConversationEditor;
import dev.agentvoicebox.gateway.realtime.InputSettings;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The {@code input_audio_buffer.*} events and the turns the detector finds in the audio: speech
 * started (barge-in), stopped (the turn is committed and transcribed), idle timeout.
 */
public final class VoiceInput {
    private final SessionContext session;
    private final InputAudio input;
    /** The session's {@code audio.input} as it is now. */
    private final Supplier<InputSettings> settings;

    private final SessionAccess access;
    private final ConversationEditor conversation;
    private final Transcriptions transcriptions;
    /** Cancels the response the user talks over. */
    private final Runnable bargeIn;

    public VoiceInput(
            SessionContext session,
            InputAudio input,
            Supplier<InputSettings> settings,
            SessionAccess access,
            ConversationEditor conversation,
            Transcriptions transcriptions,
            Runnable bargeIn) {
        this.session = session;
        this.input = input;
        this.settings = settings;
        this.access = access;
        this.conversation = conversation;
        this.transcriptions = transcriptions;
        this.bargeIn = bargeIn;
    }

    public void append(ObjectNode event) {
        String audio = Fields.requiredString(event, "audio", "");
        List<TurnDetector.Event> turns;
        try {
            turns = input.append(audio);
        } catch (AudioException e) {
            throw new RealtimeError(RealtimeError.INVALID_REQUEST, e.code(), e.getMessage(), e.param());
        }
        turns.forEach(this::onTurnEvent);
    }

    public void commit() {
        long buffered = input.bufferedMs();
        InputAudioBuffer.Committed committed = input.commitAll();
        if (committed == null) {
            throw new RealtimeError(
                    RealtimeError.INVALID_REQUEST,
                    "input_audio_buffer_commit_empty",
                    "Error committing input audio buffer: buffer too small. Expected at least 100ms of "
                            + "audio, but buffer only has "
                            + String.format(Locale.ROOT, "%.2f", (double) buffered)
                            + "ms of audio.",
                    null);
        }
        commitTurn(committed, false);
    }

    public void clear() {
        input.clear();
        session.send(Events.event("input_audio_buffer.cleared"));
    }

    /** A voice turn ended by the detector, or the idle timeout: answer it unless told not to. */
    private void onTurnEvent(TurnDetector.Event turn) {
        InputSettings turns = settings.get();
        switch (turn) {
            case TurnDetector.SpeechStarted started -> {
                session.send(Events.event("input_audio_buffer.speech_started")
                        .put("audio_start_ms", started.audioStartMs())
                        .put("item_id", input.nextItemId()));
                if (turns.interruptResponse()) {
                    bargeIn.run();
                }
            }
            case TurnDetector.SpeechStopped stopped -> {
                session.send(Events.event("input_audio_buffer.speech_stopped")
                        .put("audio_end_ms", stopped.audioEndMs())
                        .put("item_id", input.nextItemId()));
                commitTurn(input.commitTurn(stopped.audioStartMs(), stopped.audioEndMs()), turns.createResponse());
            }
            case TurnDetector.Timeout timeout -> {
                session.send(Events.event("input_audio_buffer.timeout_triggered")
                        .put("audio_start_ms", timeout.audioStartMs())
                        .put("audio_end_ms", timeout.audioEndMs())
                        .put("item_id", input.nextItemId()));
                commitTurn(input.commitTurn(timeout.audioStartMs(), timeout.audioEndMs()), true);
            }
        }
    }

    /** Makes a committed turn a user item and has it transcribed; {@code respond} answers it after. */
    private void commitTurn(InputAudioBuffer.Committed committed, boolean respond) {
        access.admitAudio(committed.durationMs());
        String itemId = input.takeItemId();
        String previous = conversation.conversation().lastItemId();
        session.send(Events.event("input_audio_buffer.committed")
                .put("previous_item_id", previous)
                .put("item_id", itemId));
        conversation.addUserAudio(itemId, previous, committed.original());
        transcriptions.start(itemId, committed, respond);
    }
}
