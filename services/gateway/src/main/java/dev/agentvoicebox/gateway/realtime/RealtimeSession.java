package dev.agentvoicebox.gateway.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Events;
import dev.agentvoicebox.gateway.Fields;
import dev.agentvoicebox.gateway.Ids;
import dev.agentvoicebox.gateway.Json;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.gateway.SessionContext;
import dev.agentvoicebox.gateway.SessionWiring;
import dev.agentvoicebox.gateway.access.Caller;
import dev.agentvoicebox.gateway.access.SessionAccess;
import dev.agentvoicebox.gateway.conversation.ConversationEditor;
import dev.agentvoicebox.gateway.response.Responses;
import dev.agentvoicebox.gateway.voice.InputAudio;
import dev.agentvoicebox.gateway.voice.Transcriptions;
import dev.agentvoicebox.gateway.voice.VoiceInput;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Realtime session: hands each client event, worker result and timer to the part that owns it
 * (conversation, responses, voice input, access), all on the session's own virtual thread, one at a
 * time, so the state needs no locks and events reach the client in the order they were decided.
 */
public final class RealtimeSession {
    private static final Logger LOG = Logger.getLogger(RealtimeSession.class.getName());

    private final SessionWiring wiring;
    private final Caller caller;
    private final String id = Ids.session();
    private final Dialect dialect;
    private final EventSink sink;
    private final ExecutorService loop;
    private final SessionConfig config;
    private final Span span;
    private final long createdAtMs = System.currentTimeMillis();
    private final SessionAccess access;
    private final InputAudio input;
    private final ConversationEditor conversation;
    private final Transcriptions transcriptions;
    private final Responses responses;
    private final VoiceInput voice;
    private ScheduledFuture<?> expiry;
    private boolean closed;

    public RealtimeSession(
            SessionWiring wiring,
            Caller caller,
            String lease,
            Dialect dialect,
            EventSink sink,
            String model,
            Context parent) {
        this.wiring = wiring;
        this.caller = caller;
        this.dialect = dialect;
        this.sink = sink;
        long expiresAt = (createdAtMs + wiring.maxDuration().toMillis()) / 1000;
        this.config = SessionConfig.defaults(id, model, expiresAt, "");
        this.loop = Executors.newSingleThreadExecutor(
                Thread.ofVirtual().name("session-" + id).factory());
        this.span = wiring.tracer()
                .spanBuilder("realtime.session")
                .setParent(parent)
                .startSpan();
        span.setAttribute("avb.session.id", id);
        span.setAttribute("avb.tenant.id", caller.tenantId());
        span.setAttribute("avb.project.id", caller.projectId());
        span.setAttribute("avb.tenant.tier", caller.tier());
        span.setAttribute("avb.protocol.dialect", dialect.name().toLowerCase());
        SessionContext scope = new Scope();
        this.access = new SessionAccess(wiring.access(), caller, lease, wiring.accessRecheck());
        this.input = new InputAudio(wiring.vadEngine(), config.audioInput());
        this.conversation = new ConversationEditor(scope, wiring.itemAudioBytes());
        this.transcriptions = new Transcriptions(
                scope, conversation, () -> config.audioInput().path("transcription"));
        this.responses = new Responses(scope, config, access, conversation, input, transcriptions);
        transcriptions.listener(responses::transcriptionEnded);
        this.voice = new VoiceInput(
                scope, input, config::audioInput, access, conversation, transcriptions, responses::bargeIn);
    }

    public String id() {
        return id;
    }

    /** Sends session.created (always first) and conversation.created; applies a client secret's settings. */
    public void start() {
        run(() -> {
            if (caller.sessionDefaults() != null) {
                // A client secret's settings were checked when it was minted; the policy may have changed since.
                try {
                    access.police(caller.sessionDefaults(), "session");
                    config.apply(caller.sessionDefaults());
                    input.configure(config.audioInput());
                } catch (RealtimeError e) {
                    send(Events.error(e, null));
                }
            }
            long expiresAtMs = createdAtMs + wiring.maxDuration().toMillis();
            wiring.store().open(id, caller, wiring.gatewayId(), createdAtMs, expiresAtMs, Json.write(config.toJson()));
            ObjectNode created = Events.event("session.created");
            created.set("session", config.toJson());
            send(created);
            ObjectNode conversationCreated = Events.event("conversation.created");
            conversationCreated
                    .putObject("conversation")
                    .put("id", conversation.conversation().id())
                    .put("object", "realtime.conversation");
            send(conversationCreated);
            expiry = wiring.timers()
                    .schedule(() -> run(this::expire), wiring.maxDuration().toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    /** A complete text message from the client. */
    public void onClientText(String text) {
        run(() -> handleClientText(text));
    }

    /** A client message that was refused before parsing (too large). */
    public void onOversizedMessage(long bytes) {
        run(() -> send(Events.error(
                RealtimeError.invalidEvent(
                        "The event is " + bytes + " bytes; events are limited to 15 MiB. Nothing in it was applied."),
                null)));
    }

    public void onBinaryMessage() {
        run(() -> send(Events.error(
                RealtimeError.invalidEvent(
                        "Binary messages are not part of the Realtime protocol; send events as JSON text."),
                null)));
    }

    /** A result from a worker for one of this session's responses, or a control message. */
    public void onResult(Envelope envelope) {
        run(() -> handleResult(envelope));
    }

    /** Keeps the session's Redis state and lease alive; a revoked key or a suspended tenant ends it. */
    public void heartbeat() {
        run(() -> {
            wiring.store().heartbeat(id, caller.tenantId());
            access.renew(id).ifPresent(refusal -> {
                send(Events.error(refusal.error(), null));
                shutdown(refusal.closeCode());
            });
        });
    }

    /** The client went away: stop its work and forget it. */
    public void onClosed() {
        run(() -> shutdown(0));
    }

    /** Waits until the session has ended (its loop finished its last task). */
    public boolean awaitEnded(Duration timeout) throws InterruptedException {
        return loop.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** An operator, another gateway instance or a shutdown ends the session; the socket closes with {@code closeCode}. */
    public void cancelSession(String reason, int closeCode) {
        run(() -> endSession(reason, closeCode));
    }

    private void endSession(String reason, int closeCode) {
        if (closed) {
            return;
        }
        send(Events.error(
                new RealtimeError(
                        RealtimeError.INVALID_REQUEST, "session_cancelled", "The session was ended: " + reason, null),
                null));
        shutdown(closeCode);
    }

    private void handleClientText(String text) {
        if (closed) {
            return;
        }
        JsonNode parsed;
        try {
            parsed = Json.parse(text);
        } catch (JsonProcessingException e) {
            send(Events.error(
                    RealtimeError.invalidEvent(
                            "The event is not valid JSON: " + e.getOriginalMessage() + ". Nothing in it was applied."),
                    null));
            return;
        }
        if (!(parsed instanceof ObjectNode event)) {
            send(Events.error(RealtimeError.invalidEvent("The event must be a JSON object."), null));
            return;
        }
        String eventId =
                event.path("event_id").isTextual() ? event.get("event_id").asText() : null;
        try {
            if (!event.has("type")) {
                throw RealtimeError.missing("type");
            }
            String type = Fields.string(event.get("type"), "type");
            ClientEvent kind = ClientEvent.of(type)
                    .orElseThrow(() -> RealtimeError.invalidEvent(
                            "Invalid value: '" + type + "'. It is not a client event type."));
            ObjectNode inbound = dialect.inbound(event);
            Fields.onlyKnown(inbound, "", kind.fields());
            dispatch(kind, inbound);
        } catch (RealtimeError e) {
            send(Events.error(e, eventId));
        }
    }

    private void dispatch(ClientEvent kind, ObjectNode event) {
        switch (kind) {
            case SESSION_UPDATE -> updateSession(event);
            case INPUT_AUDIO_BUFFER_APPEND -> voice.append(event);
            case INPUT_AUDIO_BUFFER_COMMIT -> voice.commit();
            case INPUT_AUDIO_BUFFER_CLEAR -> voice.clear();
            case OUTPUT_AUDIO_BUFFER_CLEAR ->
                throw RealtimeError.invalidEvent("output_audio_buffer.clear is only for WebRTC and SIP connections.");
            case CONVERSATION_ITEM_CREATE -> conversation.create(event);
            case CONVERSATION_ITEM_RETRIEVE -> conversation.retrieve(event);
            case CONVERSATION_ITEM_DELETE -> conversation.delete(event);
            case CONVERSATION_ITEM_TRUNCATE -> {
                conversation.truncate(event);
                input.playbackStopped();
            }
            case RESPONSE_CREATE -> responses.create(event);
            case RESPONSE_CANCEL -> responses.cancel(event);
        }
    }

    private void updateSession(ObjectNode event) {
        JsonNode changes = Fields.required(event, "session", "");
        access.police(Fields.object(changes, "session"), "session");
        config.apply(changes);
        input.configure(config.audioInput());
        wiring.store().saveConfig(id, Json.write(config.toJson()));
        ObjectNode updated = Events.event("session.updated");
        updated.set("session", config.toJson());
        send(updated);
    }

    private void handleResult(Envelope envelope) {
        if (closed) {
            return;
        }
        if (Kinds.SESSION_CANCEL.equals(envelope.kind())) {
            String reason;
            try {
                reason = Json.parse(envelope.payload()).path("reason").asText("cancelled by an operator");
            } catch (JsonProcessingException e) {
                reason = "cancelled by an operator";
            }
            endSession(reason, 1000);
        } else if (envelope.kind().startsWith("stt.")) {
            transcriptions.onResult(envelope);
        } else {
            responses.onResult(envelope);
        }
    }

    private void expire() {
        if (closed) {
            return;
        }
        String message = "Your session hit the maximum duration of "
                + wiring.maxDuration().toMinutes() + " minutes.";
        send(Events.error(new RealtimeError(RealtimeError.INVALID_REQUEST, "session_expired", message, null), null));
        shutdown(1001);
    }

    /** Ends the session; a non-zero {@code closeCode} also closes the socket with that code. */
    private void shutdown(int closeCode) {
        if (closed) {
            return;
        }
        responses.cancelAll();
        transcriptions.cancelAll();
        input.close();
        access.release();
        closed = true;
        if (expiry != null) {
            expiry.cancel(false);
        }
        wiring.store().close(id, caller.tenantId());
        span.end();
        if (closeCode != 0) {
            sink.close(closeCode, "session ended");
        }
        loop.shutdown();
    }

    private void send(ObjectNode event) {
        ObjectNode shaped = dialect.outbound(event);
        if (shaped != null) {
            sink.send(shaped);
        }
    }

    private void run(Runnable task) {
        if (loop.isShutdown()) {
            return;
        }
        try {
            loop.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.SEVERE, "session " + id + " failed handling an event", e);
                    send(Events.error(
                            new RealtimeError(
                                    RealtimeError.SERVER_ERROR,
                                    "server_error",
                                    "The server had an error while processing your request.",
                                    null),
                            null));
                }
            });
        } catch (RejectedExecutionException e) {
            // The session ended while the task was on its way.
        }
    }

    /** The session as its parts see it. */
    private final class Scope implements SessionContext {
        @Override
        public String id() {
            return id;
        }

        @Override
        public Caller caller() {
            return caller;
        }

        @Override
        public SessionWiring wiring() {
            return wiring;
        }

        @Override
        public Span span() {
            return span;
        }

        @Override
        public void send(ObjectNode event) {
            RealtimeSession.this.send(event);
        }

        @Override
        public void run(Runnable task) {
            RealtimeSession.this.run(task);
        }
    }
}
