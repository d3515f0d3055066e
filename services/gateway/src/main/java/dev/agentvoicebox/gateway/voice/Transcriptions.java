package dev.agentvoicebox.gateway.voice;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Events;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.gateway.SessionContext;
import dev.agentvoicebox.gateway.audio.InputAudioBuffer;
import dev.agentvoicebox.gateway.conversation.ConversationEditor;
import dev.agentvoicebox.gateway.realtime.InputSettings.Transcription;
import dev.agentvoicebox.platform.Telemetry;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import dev.agentvoicebox.protocol.Streams;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;

/**
 * The transcription of committed user turns: the stt job, the transcript events, and a timeout so a
 * silent transcriber cannot hold up the responses that wait for it.
 */
public final class Transcriptions {
    /** Audio up to this size travels inside the stt.request; longer turns go beside it in Redis. */
    private static final int INLINE_AUDIO_BASE64 = 256 * 1024;
    /** A transcription that has not answered by then is given up, so a waiting response goes on. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Told when a turn's transcription ends, either way; {@code respond} when the turn asked for an answer. */
    public interface Listener {
        void ended(String itemId, boolean transcribed, boolean respond);
    }

    private final SessionContext session;
    private final ConversationEditor conversation;
    /** The session's {@code audio.input.transcription} as it is now (null: the client wants no transcript events). */
    private final Supplier<Transcription> settings;

    private Listener listener = (itemId, transcribed, respond) -> {};
    /** User audio items whose transcript is still coming, by item id: true when a response follows it. */
    private final Map<String, Boolean> transcribing = new HashMap<>();

    private final Map<String, ScheduledFuture<?>> timers = new HashMap<>();

    public Transcriptions(SessionContext session, ConversationEditor conversation, Supplier<Transcription> settings) {
        this.session = session;
        this.conversation = conversation;
        this.settings = settings;
    }

    public void listener(Listener listener) {
        this.listener = listener;
    }

    /** Has a committed turn transcribed; {@code respond} answers it once the transcript is in. */
    public void start(String itemId, InputAudioBuffer.Committed committed, boolean respond) {
        Transcription transcription = settings.get();
        ObjectNode job = Json.object();
        String audio = Base64.getEncoder().encodeToString(committed.pcm16kBytes());
        if (audio.length() <= INLINE_AUDIO_BASE64) {
            job.put("audio", audio);
        } else {
            String key = Streams.sttAudioKey(session.id(), itemId);
            session.wiring().workers().stash(key, audio, TIMEOUT.multipliedBy(2));
            job.put("audio_key", key);
        }
        job.put("language", transcription == null ? "" : transcription.language());
        job.put("prompt", transcription == null ? "" : transcription.prompt());
        Telemetry.TraceHeaders trace = Telemetry.headers(session.span());
        session.wiring()
                .workers()
                .submit(
                        Streams.STT_JOBS,
                        new Envelope(
                                Kinds.STT_REQUEST,
                                session.caller().tenantId(),
                                session.caller().projectId(),
                                session.id(),
                                itemId,
                                itemId,
                                0,
                                System.currentTimeMillis() + TIMEOUT.toMillis(),
                                trace.traceparent(),
                                trace.tracestate(),
                                session.replyStream(),
                                1,
                                Json.write(job)));
        transcribing.put(itemId, respond);
        timers.put(
                itemId,
                session.schedule(
                        () -> failed(
                                itemId,
                                "transcription_timeout",
                                "No transcript arrived within " + TIMEOUT.toSeconds() + " s."),
                        TIMEOUT));
    }

    /** The items of {@code context} whose words are not known yet. */
    public Set<String> pending(List<ObjectNode> context) {
        Set<String> waitingOn = new HashSet<>();
        context.forEach(item -> {
            if (transcribing.containsKey(item.path("id").asText())) {
                waitingOn.add(item.path("id").asText());
            }
        });
        return waitingOn;
    }

    /** An stt.* result for one of this session's turns. */
    public void onResult(Envelope envelope) {
        String itemId = envelope.itemId();
        if (!transcribing.containsKey(itemId)) {
            return;
        }
        JsonNode payload;
        try {
            payload = Json.parse(envelope.payload());
        } catch (JsonProcessingException e) {
            failed(itemId, "invalid_worker_result", "The transcriber sent an unreadable result.");
            return;
        }
        boolean reported = settings.get() != null;
        switch (envelope.kind()) {
            case Kinds.STT_DELTA -> {
                if (reported) {
                    session.send(Events.event("conversation.item.input_audio_transcription.delta")
                            .put("item_id", itemId)
                            .put("content_index", 0)
                            .put("delta", payload.path("delta").asText("")));
                }
            }
            case Kinds.STT_DONE -> {
                String transcript = payload.path("transcript").asText("");
                conversation.conversation().find(itemId).ifPresent(item -> {
                    ((ObjectNode) item.path("content").path(0)).put("transcript", transcript);
                    conversation.save(item);
                    if (reported) {
                        ObjectNode completed = Events.event("conversation.item.input_audio_transcription.completed");
                        completed.put("item_id", itemId).put("content_index", 0).put("transcript", transcript);
                        completed
                                .putObject("usage")
                                .put("type", "duration")
                                .put(
                                        "seconds",
                                        payload.path("usage").path("seconds").asDouble(0));
                        session.send(completed);
                    }
                    conversation.sendItemDone(item);
                });
                ended(itemId, true);
            }
            case Kinds.STT_ERROR ->
                failed(
                        itemId,
                        payload.path("code").asText("upstream_error"),
                        payload.path("message").asText("Transcription failed."));
            default -> {
                // other kinds of later envelope versions
            }
        }
    }

    private void failed(String itemId, String code, String message) {
        if (!transcribing.containsKey(itemId)) {
            return;
        }
        session.wiring().workers().cancel(itemId);
        if (settings.get() == null) {
            // The client did not ask for transcripts, so a transcription.failed would be news to it.
            session.send(Events.error(
                    new RealtimeError(
                            RealtimeError.SERVER_ERROR,
                            code,
                            "Your speech could not be transcribed, so it was not answered: " + message,
                            null),
                    null));
        } else {
            ObjectNode failed = Events.event("conversation.item.input_audio_transcription.failed");
            failed.put("item_id", itemId).put("content_index", 0);
            failed.putObject("error")
                    .put("type", RealtimeError.SERVER_ERROR)
                    .put("code", code)
                    .put("message", message);
            session.send(failed);
        }
        conversation.conversation().find(itemId).ifPresent(conversation::sendItemDone);
        ended(itemId, false);
    }

    private void ended(String itemId, boolean transcribed) {
        boolean respond = Boolean.TRUE.equals(transcribing.remove(itemId));
        ScheduledFuture<?> timer = timers.remove(itemId);
        if (timer != null) {
            timer.cancel(false);
        }
        listener.ended(itemId, transcribed, respond);
    }

    /** The session ends: the workers stop, no timer fires. */
    public void cancelAll() {
        transcribing.keySet().forEach(session.wiring().workers()::cancel);
        timers.values().forEach(timer -> timer.cancel(false));
    }
}
