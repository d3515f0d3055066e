package dev.agentvoicebox.gateway.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Events;
import dev.agentvoicebox.gateway.Fields;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.gateway.SessionWiring;
import dev.agentvoicebox.gateway.access.Caller;
import dev.agentvoicebox.gateway.access.SessionAccess;
import dev.agentvoicebox.gateway.conversation.ConversationEditor;
import dev.agentvoicebox.gateway.response.Responses;
import dev.agentvoicebox.gateway.voice.InputAudio;
import dev.agentvoicebox.gateway.voice.Transcriptions;
import dev.agentvoicebox.gateway.voice.VoiceInput;
import dev.agentvoicebox.platform.auth.DirectoryChange;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One Realtime session: hands each client event, worker result and timer to the part that owns it
 * (conversation, responses, voice input, access), all on the session's own virtual thread, one at a
 * time, so the state needs no locks and events reach the client in the order they were decided.
 */
public final class RealtimeSession {
    private final SessionScope scope;
    private final SessionWiring wiring;
    private final Caller caller;
    private final String id;
    private final SessionConfig config;
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
        this.scope = new SessionScope(wiring, caller, dialect, sink, parent);
        this.wiring = wiring;
        this.caller = caller;
        this.id = scope.id();
        long expiresAt = (createdAtMs + wiring.maxDuration().toMillis()) / 1000;
        this.config = SessionConfig.defaults(id, model, expiresAt, "");
        this.access = new SessionAccess(wiring.access(), caller, lease, wiring.accessRecheck());
        this.input = new InputAudio(wiring.vadEngine(), wiring.budgets().inputAudioBytes(), config.input());
        this.conversation =
                new ConversationEditor(scope, wiring.budgets().itemAudio().session());
        this.transcriptions =
                new Transcriptions(scope, conversation, () -> config.input().transcription());
        this.responses = new Responses(scope, config, access, conversation, input, transcriptions);
        transcriptions.listener(responses::transcriptionEnded);
        this.voice =
                new VoiceInput(scope, input, config::input, access, conversation, transcriptions, responses::bargeIn);
    }

    public String id() {
        return id;
    }

    /** Sends session.created (always first) and conversation.created; applies a client secret's settings. */
    public void start() {
        scope.run(() -> {
            if (caller.sessionDefaults() != null) {
                // A client secret's settings were checked when it was minted; the policy may have changed since.
                try {
                    access.police(caller.sessionDefaults(), "session");
                    config.apply(caller.sessionDefaults());
                    input.configure(config.input());
                } catch (RealtimeError e) {
                    scope.fail(e);
                }
            }
            long expiresAtMs = createdAtMs + wiring.maxDuration().toMillis();
            wiring.store().open(id, caller, wiring.gatewayId(), createdAtMs, expiresAtMs, Json.write(config.toJson()));
            ObjectNode created = Events.event("session.created");
            created.set("session", config.toJson());
            scope.send(created);
            ObjectNode conversationCreated = Events.event("conversation.created");
            conversationCreated
                    .putObject("conversation")
                    .put("id", conversation.conversation().id())
                    .put("object", "realtime.conversation");
            scope.send(conversationCreated);
            expiry = wiring.timers()
                    .schedule(
                            () -> scope.run(this::expire), wiring.maxDuration().toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    /**
     * A complete text message from the client, of {@code bytes} UTF-8 bytes. Waits while the
     * session's mailbox is full, so the calling socket reader stops reading.
     */
    public void onClientText(String text, long bytes) throws InterruptedException {
        scope.deliver(bytes, () -> handleClientText(text));
    }

    /** A client message that was refused before parsing (too large); waits as {@link #onClientText} does. */
    public void onOversizedMessage(long bytes) throws InterruptedException {
        scope.deliver(0, () -> scope.fail(RealtimeError.oversizedEvent(bytes)));
    }

    /** A binary message, which the protocol does not have; waits as {@link #onClientText} does. */
    public void onBinaryMessage() throws InterruptedException {
        scope.deliver(0, () -> scope.fail(RealtimeError.binaryMessage()));
    }

    /** A result from a worker for one of this session's responses, or a control message. */
    public void onResult(Envelope envelope) {
        scope.run(() -> handleResult(envelope));
    }

    /** Keeps the session's Redis state and lease alive; a revoked key or a suspended tenant ends it. */
    public void heartbeat() {
        scope.run(() -> {
            if (expiry == null) {
                return; // not opened yet: start() writes the session and beats once itself
            }
            wiring.store().heartbeat(id, caller.tenantId()).thenAccept(kept -> {
                if (!kept) {
                    // 1012 (service restart) tells the client to open a new session.
                    scope.run(() -> end(RealtimeError.sessionStateLost(), 1012));
                }
            });
            access.renew(id).ifPresent(this::end);
        });
    }

    /** The tenants service announced a change; one that takes this session's access ends it now. */
    public void onDirectoryChange(DirectoryChange change) {
        access.refusalFor(change).ifPresent(refusal -> scope.run(() -> end(refusal)));
    }

    /** Checks the key and the tenant now: announcements may have been missed. */
    public void recheckAccessNow() {
        scope.run(() -> access.recheckNow(id).ifPresent(this::end));
    }

    private void end(SessionAccess.Refusal refusal) {
        end(refusal.error(), refusal.closeCode());
    }

    private void end(RealtimeError error, int closeCode) {
        if (closed) {
            return;
        }
        scope.fail(error);
        shutdown(closeCode);
    }

    /** The client went away: stop its work and forget it. */
    public void onClosed() {
        scope.run(() -> shutdown(0));
    }

    /** Waits until the session has ended (its loop finished its last task). */
    public boolean awaitEnded(Duration timeout) throws InterruptedException {
        return scope.awaitEnded(timeout);
    }

    /** An operator, another gateway instance or a shutdown ends the session; the socket closes with {@code closeCode}. */
    public void cancelSession(String reason, int closeCode) {
        scope.run(() -> endSession(reason, closeCode));
    }

    private void endSession(String reason, int closeCode) {
        if (closed) {
            return;
        }
        scope.fail(RealtimeError.sessionEnded(reason));
        shutdown(closeCode);
    }

    private void handleClientText(String text) {
        if (closed) {
            return;
        }
        ClientEvent.Message message;
        try {
            message = ClientEvent.Message.read(text);
        } catch (RealtimeError e) {
            scope.fail(e);
            return;
        }
        try {
            ClientEvent kind = message.kind();
            ObjectNode event = scope.dialect().inbound(message.event());
            Fields.onlyKnown(event, "", kind.fields());
            dispatch(kind, event);
        } catch (RealtimeError e) {
            scope.send(Events.error(e, message.eventId()));
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
        input.configure(config.input());
        wiring.store().saveConfig(id, Json.write(config.toJson()));
        ObjectNode updated = Events.event("session.updated");
        updated.set("session", config.toJson());
        scope.send(updated);
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
        scope.fail(RealtimeError.sessionExpired(wiring.maxDuration().toMinutes()));
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
        conversation.release();
        access.release();
        closed = true;
        if (expiry != null) {
            expiry.cancel(false);
        }
        wiring.store().close(id, caller.tenantId());
        scope.end(closeCode);
    }
}
