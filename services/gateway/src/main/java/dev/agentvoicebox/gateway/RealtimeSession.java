package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.audio.AudioException;
import dev.agentvoicebox.gateway.audio.AudioFormat;
import dev.agentvoicebox.gateway.audio.InputAudioBuffer;
import dev.agentvoicebox.gateway.audio.TurnDetector;
import dev.agentvoicebox.gateway.audio.VadEngine;
import dev.agentvoicebox.platform.Telemetry;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.limits.LimitOutcome;
import dev.agentvoicebox.platform.limits.Limits;
import dev.agentvoicebox.platform.policy.PolicyUnavailableException;
import dev.agentvoicebox.platform.policy.SessionDecision;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import dev.agentvoicebox.protocol.Streams;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Realtime session: the protocol state machine. Client events, worker results and timers are
 * all handled on the session's own virtual thread, one at a time, so the state needs no locks and
 * events reach the client in the order they were decided.
 */
public final class RealtimeSession {
    private static final Logger LOG = Logger.getLogger(RealtimeSession.class.getName());
    private static final Set<String> CLIENT_EVENTS = Set.of(
            "session.update",
            "input_audio_buffer.append",
            "input_audio_buffer.commit",
            "input_audio_buffer.clear",
            "output_audio_buffer.clear",
            "conversation.item.create",
            "conversation.item.retrieve",
            "conversation.item.delete",
            "conversation.item.truncate",
            "response.create",
            "response.cancel");
    private static final Set<String> RESPONSE_PARAMS = Set.of(
            "conversation",
            "input",
            "instructions",
            "max_output_tokens",
            "metadata",
            "output_modalities",
            "prompt",
            "tool_choice",
            "tools",
            "audio",
            "temperature");

    /** What the session needs from the process around it. */
    public record Wiring(
            SessionStore store,
            Workers workers,
            ScheduledExecutorService timers,
            Tracer tracer,
            String gatewayId,
            Duration maxDuration,
            Duration responseIdleTimeout,
            VadEngine vadEngine,
            Access access,
            Duration accessRecheck,
            long itemAudioBytes) {}

    /** Audio up to this size travels inside the stt.request; longer turns go beside it in Redis. */
    private static final int INLINE_AUDIO_BASE64 = 256 * 1024;
    /** A transcription that has not answered by then is given up, so a waiting response goes on. */
    private static final Duration TRANSCRIPTION_TIMEOUT = Duration.ofSeconds(30);

    private final Wiring wiring;
    private final Caller caller;
    /** The concurrent-session lease the handshake took; renewed by the heartbeat, released at the end. */
    private final String lease;

    private long lastAccessCheck = System.nanoTime();
    private final Dialect dialect;
    private final EventSink sink;
    private final ExecutorService loop;
    private final SessionConfig config;
    private final Conversation conversation = new Conversation(Ids.conversation());
    private final Map<String, ResponseStream> responses = new LinkedHashMap<>();
    private final Map<String, ScheduledFuture<?>> idleTimers = new HashMap<>();
    private final ResponseStream.Host responseHost = new ResponseHost();
    /** User audio items whose transcript is still coming, by item id: true when a response follows it. */
    private final Map<String, Boolean> transcribing = new HashMap<>();

    private final Map<String, ScheduledFuture<?>> transcriptionTimers = new HashMap<>();
    /** Responses whose context holds an item still being transcribed; each submits when its set empties. */
    private final List<Deferred> deferred = new ArrayList<>();

    private final InputAudio input;
    /** The sentences of each assistant audio item with their durations, so truncation knows what was heard. */
    private final Map<String, List<Spoken>> spokenAudio = new HashMap<>();

    private final ItemAudio itemAudio;
    private final Span span;
    private final long createdAtMs = System.currentTimeMillis();
    private ScheduledFuture<?> expiry;
    private ResponseStream conversationResponse;
    private boolean closed;

    public RealtimeSession(
            Wiring wiring, Caller caller, String lease, Dialect dialect, EventSink sink, String model, Context parent) {
        this.wiring = wiring;
        this.caller = caller;
        this.lease = lease;
        this.dialect = dialect;
        this.sink = sink;
        String id = Ids.session();
        long expiresAt = (createdAtMs + wiring.maxDuration().toMillis()) / 1000;
        this.config = SessionConfig.defaults(id, model, expiresAt, "");
        this.input = new InputAudio(wiring.vadEngine(), config.audioInput());
        this.itemAudio = new ItemAudio(wiring.itemAudioBytes());
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
    }

    public String id() {
        return config.id();
    }

    /** Sends session.created (always first) and conversation.created; applies a client secret's settings. */
    public void start() {
        run(() -> {
            if (caller.sessionDefaults() != null) {
                // A client secret's settings were checked when it was minted; the policy may have changed since.
                try {
                    police(caller.sessionDefaults(), "session");
                    config.apply(caller.sessionDefaults());
                    input.configure(config.audioInput());
                } catch (RealtimeError e) {
                    send(Events.error(e, null));
                }
            }
            wiring.store()
                    .open(
                            id(),
                            caller,
                            wiring.gatewayId(),
                            createdAtMs,
                            createdAtMs + wiring.maxDuration().toMillis(),
                            Json.write(config.toJson()));
            ObjectNode created = Events.event("session.created");
            created.set("session", config.toJson());
            send(created);
            ObjectNode conversationCreated = Events.event("conversation.created");
            conversationCreated
                    .putObject("conversation")
                    .put("id", conversation.id())
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
        run(() -> sendError(
                RealtimeError.invalidEvent(
                        "The event is " + bytes + " bytes; events are limited to 15 MiB. Nothing in it was applied."),
                null));
    }

    public void onBinaryMessage() {
        run(() -> sendError(
                RealtimeError.invalidEvent(
                        "Binary messages are not part of the Realtime protocol; send events as JSON text."),
                null));
    }

    /** A result from a worker for one of this session's responses, or a control message. */
    public void onResult(Envelope envelope) {
        run(() -> handleResult(envelope));
    }

    public void heartbeat() {
        run(() -> {
            wiring.store().heartbeat(id(), caller.tenantId());
            try {
                if (lease != null) {
                    wiring.access()
                            .limiter()
                            .acquireSession(caller.tenantId(), limits(), lease, HandshakeAuthFilter.LEASE);
                }
                if (System.nanoTime() - lastAccessCheck
                        >= wiring.accessRecheck().toNanos()) {
                    lastAccessCheck = System.nanoTime();
                    recheckAccess();
                }
            } catch (RuntimeException e) {
                // Redis or OPA away: live sessions go on; the next heartbeat tries again.
                LOG.fine(() -> "heartbeat checks failed for " + id() + ": " + e.getMessage());
            }
        });
    }

    /** A revoked key or a suspended tenant ends its live sessions (within the recheck interval). */
    private void recheckAccess() {
        if (wiring.access().revoked(caller)) {
            send(Events.error(
                    new RealtimeError(
                            RealtimeError.INVALID_REQUEST,
                            "api_key_revoked",
                            "The key this session was opened with has been revoked.",
                            null),
                    null));
            shutdown(4001);
            return;
        }
        SessionDecision decision = decision();
        if (!decision.allowed()) {
            send(Events.error(
                    new RealtimeError(
                            RealtimeError.INVALID_REQUEST,
                            "tenant_not_allowed",
                            "This tenant may no longer open sessions: " + decision.reason() + ".",
                            null),
                    null));
            shutdown(4003);
        }
    }

    /** The tenant's policy decision (OPA, cached for 60 s). */
    private SessionDecision decision() {
        try {
            return wiring.access().policy().decide(caller.tenantId(), caller.projectId());
        } catch (PolicyUnavailableException e) {
            throw new RealtimeError(
                    RealtimeError.SERVER_ERROR,
                    "policy_unavailable",
                    "The session policy cannot be checked right now; try again shortly.",
                    null);
        }
    }

    private Limits limits() {
        return Limits.of(decision().limits());
    }

    /**
     * Holds session settings (an update, or a response's overrides) to what the tenant may use:
     * voices, output modalities, tools. Nothing is applied when one is refused.
     */
    private void police(ObjectNode changes, String path) {
        SessionDecision decision = decision();
        JsonNode voice = changes.path("audio").path("output").get("voice");
        if (voice != null && voice.isTextual() && !decision.voiceAllowed(voice.asText())) {
            throw RealtimeError.invalidValue(
                    path + ".audio.output.voice",
                    "The voice '" + voice.asText() + "' is not available to this tenant; its voices are "
                            + String.join(", ", decision.voices()) + ".");
        }
        JsonNode modalities = changes.get("output_modalities");
        if (modalities != null && modalities.isArray()) {
            for (int i = 0; i < modalities.size(); i++) {
                if (!decision.modalityAllowed(modalities.get(i).asText())) {
                    throw RealtimeError.invalidValue(
                            path + ".output_modalities[" + i + "]",
                            "The output modality '" + modalities.get(i).asText()
                                    + "' is not available to this tenant.");
                }
            }
        }
        JsonNode tools = changes.get("tools");
        if (tools != null && tools.isArray()) {
            for (int i = 0; i < tools.size(); i++) {
                String name = tools.get(i).path("name").asText();
                if (!decision.toolAllowed(name)) {
                    throw RealtimeError.invalidValue(
                            path + ".tools[" + i + "].name", "The tool '" + name + "' is blocked for this tenant.");
                }
            }
        }
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
            sendError(
                    RealtimeError.invalidEvent(
                            "The event is not valid JSON: " + e.getOriginalMessage() + ". Nothing in it was applied."),
                    null);
            return;
        }
        if (!(parsed instanceof ObjectNode event)) {
            sendError(RealtimeError.invalidEvent("The event must be a JSON object."), null);
            return;
        }
        String eventId =
                event.path("event_id").isTextual() ? event.get("event_id").asText() : null;
        try {
            if (!event.has("type")) {
                throw RealtimeError.missing("type");
            }
            String type = Fields.string(event.get("type"), "type");
            if (!CLIENT_EVENTS.contains(type)) {
                throw RealtimeError.invalidEvent("Invalid value: '" + type + "'. It is not a client event type.");
            }
            dispatch(type, dialect.inbound(event));
        } catch (RealtimeError e) {
            sendError(e, eventId);
        }
    }

    private void dispatch(String type, ObjectNode event) {
        switch (type) {
            case "session.update" -> {
                Fields.onlyKnown(event, "", Set.of("type", "event_id", "session"));
                JsonNode changes = Fields.required(event, "session", "");
                police(Fields.object(changes, "session"), "session");
                config.apply(changes);
                input.configure(config.audioInput());
                wiring.store().saveConfig(id(), Json.write(config.toJson()));
                ObjectNode updated = Events.event("session.updated");
                updated.set("session", config.toJson());
                send(updated);
            }
            case "input_audio_buffer.append" -> {
                Fields.onlyKnown(event, "", Set.of("type", "event_id", "audio"));
                String audio = Fields.requiredString(event, "audio", "");
                List<TurnDetector.Event> turns;
                try {
                    turns = input.append(audio);
                } catch (AudioException e) {
                    throw new RealtimeError(RealtimeError.INVALID_REQUEST, e.code(), e.getMessage(), e.param());
                }
                turns.forEach(this::onTurnEvent);
            }
            case "input_audio_buffer.commit" -> {
                Fields.onlyKnown(event, "", Set.of("type", "event_id"));
                long buffered = input.bufferedMs();
                InputAudioBuffer.Committed committed = input.commitAll();
                if (committed == null) {
                    throw new RealtimeError(
                            RealtimeError.INVALID_REQUEST,
                            "input_audio_buffer_commit_empty",
                            "Error committing input audio buffer: buffer too small. Expected at least 100ms of "
                                    + "audio, but buffer only has "
                                    + String.format(java.util.Locale.ROOT, "%.2f", (double) buffered)
                                    + "ms of audio.",
                            null);
                }
                commitTurn(committed, false);
            }
            case "input_audio_buffer.clear" -> {
                Fields.onlyKnown(event, "", Set.of("type", "event_id"));
                input.clear();
                send(Events.event("input_audio_buffer.cleared"));
            }
            case "output_audio_buffer.clear" ->
                throw RealtimeError.invalidEvent("output_audio_buffer.clear is only for WebRTC and SIP connections.");
            case "conversation.item.create" -> createItem(event);
            case "conversation.item.retrieve" -> {
                Fields.onlyKnown(event, "", Set.of("type", "event_id", "item_id"));
                ObjectNode retrieved = Events.event("conversation.item.retrieved");
                retrieved.set("item", itemAudio.withAudio(existingItem(event)));
                send(retrieved);
            }
            case "conversation.item.delete" -> {
                Fields.onlyKnown(event, "", Set.of("type", "event_id", "item_id"));
                String itemId = existingItem(event).path("id").asText();
                conversation.delete(itemId);
                spokenAudio.remove(itemId);
                itemAudio.forget(itemId);
                wiring.store().deleteItem(id(), itemId, conversation.order());
                send(Events.event("conversation.item.deleted").put("item_id", itemId));
            }
            case "conversation.item.truncate" -> truncate(event);
            case "response.create" -> createResponse(event);
            case "response.cancel" -> {
                Fields.onlyKnown(event, "", Set.of("type", "event_id", "response_id"));
                ResponseStream target = event.hasNonNull("response_id")
                        ? responses.get(Fields.string(event.get("response_id"), "response_id"))
                        : conversationResponse;
                if (target == null) {
                    throw new RealtimeError(
                            RealtimeError.INVALID_REQUEST,
                            "response_cancel_not_active",
                            "Cancellation failed: no active response found.",
                            null);
                }
                cancel(target, "client_cancelled");
            }
            default -> throw new IllegalStateException(type);
        }
    }

    private void createItem(ObjectNode event) {
        Fields.onlyKnown(event, "", Set.of("type", "event_id", "item", "previous_item_id"));
        ObjectNode item = Items.normalize(Fields.required(event, "item", ""), "item", conversation);
        String previous = event.hasNonNull("previous_item_id")
                ? Fields.string(event.get("previous_item_id"), "previous_item_id")
                : null;
        String before = conversation.insert(item, previous);
        itemAudio.keepFrom(item);
        wiring.store().saveItem(id(), item, conversation.order());
        for (String type : List.of("conversation.item.added", "conversation.item.done")) {
            ObjectNode added = Events.event(type);
            added.put("previous_item_id", before);
            added.set("item", item.deepCopy());
            send(added);
        }
    }

    private ObjectNode existingItem(ObjectNode event) {
        String itemId = Fields.requiredString(event, "item_id", "");
        return conversation
                .find(itemId)
                .orElseThrow(() -> RealtimeError.invalidValue(
                        "item_id", "Item with item_id '" + itemId + "' not found in the conversation."));
    }

    private void truncate(ObjectNode event) {
        Fields.onlyKnown(event, "", Set.of("type", "event_id", "item_id", "content_index", "audio_end_ms"));
        ObjectNode item = existingItem(event);
        long contentIndex = Fields.integer(Fields.required(event, "content_index", ""), "content_index", 0, 1024);
        long audioEndMs = Fields.integer(Fields.required(event, "audio_end_ms", ""), "audio_end_ms", 0, Long.MAX_VALUE);
        if (!"message".equals(item.path("type").asText())
                || !"assistant".equals(item.path("role").asText())) {
            throw RealtimeError.invalidValue("item_id", "Only assistant messages can be truncated.");
        }
        JsonNode part = item.path("content").path((int) contentIndex);
        if (part.isMissingNode()) {
            throw RealtimeError.invalidValue(
                    "content_index",
                    "Item '" + item.path("id").asText() + "' has no content part " + contentIndex + ".");
        }
        List<Spoken> spoken = spokenAudio.getOrDefault(item.path("id").asText(), List.of());
        long totalMs = spoken.stream().mapToLong(Spoken::durationMs).sum();
        if (!"output_audio".equals(part.path("type").asText()) || audioEndMs > totalMs) {
            throw RealtimeError.invalidValue(
                    "audio_end_ms",
                    "audio_end_ms " + audioEndMs + " exceeds the "
                            + totalMs + " ms of audio in content part " + contentIndex + " of item '"
                            + item.path("id").asText() + "'.");
        }
        // What was heard stays in the transcript: whole sentences, then the played share of the next.
        StringBuilder heard = new StringBuilder();
        long at = 0;
        for (Spoken sentence : spoken) {
            if (at + sentence.durationMs() <= audioEndMs) {
                heard.append(sentence.text()).append(' ');
            } else if (at < audioEndMs) {
                int chars = (int) (sentence.text().length() * (audioEndMs - at) / Math.max(1, sentence.durationMs()));
                heard.append(sentence.text(), 0, chars);
            }
            at += sentence.durationMs();
        }
        ((ObjectNode) part).put("transcript", heard.toString().strip());
        itemAudio.truncate(item.path("id").asText(), (int) contentIndex, audioEndMs);
        wiring.store().saveItem(id(), item, conversation.order());
        input.playbackStopped();
        send(Events.event("conversation.item.truncated")
                .put("item_id", item.path("id").asText())
                .put("content_index", contentIndex)
                .put("audio_end_ms", audioEndMs));
    }

    private void createResponse(ObjectNode event) {
        Fields.onlyKnown(event, "", Set.of("type", "event_id", "response"));
        ObjectNode params =
                event.hasNonNull("response") ? Fields.object(event.get("response"), "response") : Json.object();
        Fields.onlyKnown(params, "response", RESPONSE_PARAMS);
        boolean inConversation = true;
        if (params.hasNonNull("conversation")) {
            String target = Fields.string(params.get("conversation"), "response.conversation");
            if (!Set.of("auto", "none").contains(target)) {
                throw RealtimeError.invalidValue(
                        "response.conversation",
                        "Invalid value: '" + target + "'. Supported values are: 'auto', 'none'.");
            }
            inConversation = "auto".equals(target);
        }
        ObjectNode overrides = params.deepCopy();
        overrides.remove(List.of("conversation", "input", "metadata"));
        SessionConfig.validate(overrides, "response");
        police(overrides, "response");
        ObjectNode metadata = metadata(params.get("metadata"));
        List<ObjectNode> context = params.has("input") ? inputItems(params.get("input")) : conversation.items();
        if (inConversation && conversationResponse != null) {
            throw new RealtimeError(
                    RealtimeError.INVALID_REQUEST,
                    "conversation_already_has_active_response",
                    "Conversation already has an active response in progress: " + conversationResponse.id()
                            + ". Wait until the response is finished before creating a new one.",
                    null);
        }

        List<LimitOutcome> admitted = admit();
        startResponse(params, inConversation, metadata, context, admitted);
    }

    /**
     * Takes one response from the tenant's budget, or refuses with the limit that is spent. The
     * token check takes nothing, so a refusal leaves every budget as it was.
     */
    private List<LimitOutcome> admit() {
        Limits limits = limits();
        try {
            LimitOutcome tokens = wiring.access().limiter().checkTokens(caller.tenantId(), limits);
            if (!tokens.allowed()) {
                throw RealtimeError.rateLimited("tokens_per_minute", tokens.limit(), tokens.retryAfterSeconds());
            }
            LimitOutcome responses = wiring.access().limiter().acquireResponse(caller.tenantId(), limits);
            if (!responses.allowed()) {
                throw RealtimeError.rateLimited(
                        "responses_per_minute", responses.limit(), responses.retryAfterSeconds());
            }
            return List.of(responses, tokens);
        } catch (RuntimeException e) {
            if (e instanceof RealtimeError refused) {
                throw refused;
            }
            throw new RealtimeError(
                    RealtimeError.SERVER_ERROR,
                    "rate_limits_unavailable",
                    "The rate limits cannot be checked right now, so no response was started.",
                    null);
        }
    }

    private void startResponse(
            ObjectNode params,
            boolean inConversation,
            ObjectNode metadata,
            List<ObjectNode> context,
            List<LimitOutcome> admitted) {
        String responseId = Ids.response();
        Span responseSpan = wiring.tracer()
                .spanBuilder("realtime.response")
                .setParent(Context.current().with(span))
                .startSpan();
        responseSpan.setAttribute("avb.response.id", responseId);
        responseSpan.setAttribute("avb.session.id", id());
        responseSpan.setAttribute("gen_ai.operation.name", "chat");
        ObjectNode audioOutput = config.audioOutput().deepCopy();
        if (params.path("audio").path("output") instanceof ObjectNode override) {
            audioOutput.setAll(override);
        }
        ResponseStream response = new ResponseStream(
                responseId,
                inConversation ? conversation.id() : null,
                metadata,
                params.has("output_modalities") ? params.get("output_modalities") : config.outputModalities(),
                params.has("max_output_tokens") ? params.get("max_output_tokens") : config.maxOutputTokens(),
                audioOutput,
                responseSpan,
                responseHost);
        responses.put(responseId, response);
        input.responseStarted();
        if (inConversation) {
            conversationResponse = response;
        }
        response.sendCreated();
        send(Events.rateLimits(admitted));

        Runnable submit = () -> {
            if (responses.get(responseId) != response) {
                return; // cancelled while it waited for a transcript
            }
            ObjectNode body = ChatRequest.build(
                    params.has("instructions") ? params.get("instructions").asText() : config.instructions(),
                    context,
                    offered(params.has("tools") ? params.get("tools") : config.tools()),
                    params.has("tool_choice") ? params.get("tool_choice") : config.toolChoice(),
                    response.maxOutputTokens(),
                    params.has("temperature") ? params.get("temperature") : config.temperature());
            Telemetry.TraceHeaders trace = Telemetry.headers(responseSpan);
            long deadline = System.currentTimeMillis() + wiring.maxDuration().toMillis();
            wiring.workers()
                    .submit(
                            Streams.LLM_JOBS,
                            new Envelope(
                                    Kinds.LLM_REQUEST,
                                    caller.tenantId(),
                                    caller.projectId(),
                                    id(),
                                    responseId,
                                    "",
                                    0,
                                    deadline,
                                    trace.traceparent(),
                                    trace.tracestate(),
                                    Streams.gatewayStream(wiring.gatewayId()),
                                    1,
                                    Json.write(body)));
            armIdleTimer(response);
        };
        Set<String> waitingOn = new HashSet<>();
        context.forEach(item -> {
            if (transcribing.containsKey(item.path("id").asText())) {
                waitingOn.add(item.path("id").asText());
            }
        });
        if (waitingOn.isEmpty()) {
            submit.run();
        } else {
            // The model reads text: it answers once the turn's words are known.
            deferred.add(new Deferred(waitingOn, submit));
        }
    }

    /** The tools the model may see: a tool blocked since it was configured is not offered. */
    private JsonNode offered(JsonNode tools) {
        SessionDecision decision = decision();
        com.fasterxml.jackson.databind.node.ArrayNode allowed = Json.MAPPER.createArrayNode();
        tools.forEach(tool -> {
            if (decision.toolAllowed(tool.path("name").asText())) {
                allowed.add(tool);
            }
        });
        return allowed;
    }

    /** A voice turn ended by the detector, or the idle timeout: answer it unless told not to. */
    private void onTurnEvent(TurnDetector.Event turn) {
        JsonNode turnDetection = config.audioInput().path("turn_detection");
        switch (turn) {
            case TurnDetector.SpeechStarted started -> {
                send(Events.event("input_audio_buffer.speech_started")
                        .put("audio_start_ms", started.audioStartMs())
                        .put("item_id", input.nextItemId()));
                if (conversationResponse != null
                        && turnDetection.path("interrupt_response").asBoolean(true)) {
                    cancel(conversationResponse, "turn_detected");
                }
            }
            case TurnDetector.SpeechStopped stopped -> {
                send(Events.event("input_audio_buffer.speech_stopped")
                        .put("audio_end_ms", stopped.audioEndMs())
                        .put("item_id", input.nextItemId()));
                commitTurn(
                        input.commitTurn(stopped.audioStartMs(), stopped.audioEndMs()),
                        turnDetection.path("create_response").asBoolean(true));
            }
            case TurnDetector.Timeout timeout -> {
                send(Events.event("input_audio_buffer.timeout_triggered")
                        .put("audio_start_ms", timeout.audioStartMs())
                        .put("audio_end_ms", timeout.audioEndMs())
                        .put("item_id", input.nextItemId()));
                commitTurn(input.commitTurn(timeout.audioStartMs(), timeout.audioEndMs()), true);
            }
        }
    }

    /** Makes a committed turn a user item and has it transcribed; {@code respond} answers it after. */
    private void commitTurn(InputAudioBuffer.Committed committed, boolean respond) {
        long seconds = Math.max(1, (committed.durationMs() + 999) / 1000);
        LimitOutcome allowance;
        try {
            allowance = wiring.access().limiter().acquireAudio(caller.tenantId(), limits(), seconds);
        } catch (RuntimeException e) {
            if (e instanceof RealtimeError refused) {
                throw refused;
            }
            throw new RealtimeError(
                    RealtimeError.SERVER_ERROR,
                    "rate_limits_unavailable",
                    "The audio allowance cannot be checked right now, so the turn was not committed.",
                    null);
        }
        if (!allowance.allowed()) {
            throw RealtimeError.rateLimited(
                    "audio_minutes_per_day", allowance.limit() / 60, allowance.retryAfterSeconds());
        }
        String itemId = input.takeItemId();
        String previous = conversation.lastItemId();
        send(Events.event("input_audio_buffer.committed")
                .put("previous_item_id", previous)
                .put("item_id", itemId));
        ObjectNode item = Json.object();
        item.put("id", itemId);
        item.put("type", "message");
        item.put("object", "realtime.item");
        item.put("status", "completed");
        item.put("role", "user");
        item.putArray("content").addObject().put("type", "input_audio").putNull("transcript");
        conversation.insert(item, null);
        itemAudio.append(itemId, 0, committed.original(), 0);
        wiring.store().saveItem(id(), item, conversation.order());
        ObjectNode added = Events.event("conversation.item.added");
        added.put("previous_item_id", previous);
        added.set("item", item.deepCopy());
        send(added);

        JsonNode transcription = config.audioInput().path("transcription");
        ObjectNode job = Json.object();
        String audio = java.util.Base64.getEncoder().encodeToString(committed.pcm16kBytes());
        if (audio.length() <= INLINE_AUDIO_BASE64) {
            job.put("audio", audio);
        } else {
            String key = Streams.sttAudioKey(id(), itemId);
            wiring.workers().stash(key, audio, TRANSCRIPTION_TIMEOUT.multipliedBy(2));
            job.put("audio_key", key);
        }
        job.put("language", transcription.path("language").asText(""));
        job.put("prompt", transcription.path("prompt").asText(""));
        Telemetry.TraceHeaders trace = Telemetry.headers(span);
        wiring.workers()
                .submit(
                        Streams.STT_JOBS,
                        new Envelope(
                                Kinds.STT_REQUEST,
                                caller.tenantId(),
                                caller.projectId(),
                                id(),
                                itemId,
                                itemId,
                                0,
                                System.currentTimeMillis() + TRANSCRIPTION_TIMEOUT.toMillis(),
                                trace.traceparent(),
                                trace.tracestate(),
                                Streams.gatewayStream(wiring.gatewayId()),
                                1,
                                Json.write(job)));
        transcribing.put(itemId, respond);
        transcriptionTimers.put(
                itemId,
                wiring.timers()
                        .schedule(
                                () -> run(() -> transcriptionFailed(
                                        itemId,
                                        "transcription_timeout",
                                        "No transcript arrived within " + TRANSCRIPTION_TIMEOUT.toSeconds() + " s.")),
                                TRANSCRIPTION_TIMEOUT.toMillis(),
                                TimeUnit.MILLISECONDS));
    }

    private void handleTranscript(Envelope envelope) {
        String itemId = envelope.itemId();
        if (!transcribing.containsKey(itemId)) {
            return;
        }
        JsonNode payload;
        try {
            payload = Json.parse(envelope.payload());
        } catch (JsonProcessingException e) {
            transcriptionFailed(itemId, "invalid_worker_result", "The transcriber sent an unreadable result.");
            return;
        }
        boolean reported = !config.audioInput().path("transcription").isNull();
        switch (envelope.kind()) {
            case Kinds.STT_DELTA -> {
                if (reported) {
                    send(Events.event("conversation.item.input_audio_transcription.delta")
                            .put("item_id", itemId)
                            .put("content_index", 0)
                            .put("delta", payload.path("delta").asText("")));
                }
            }
            case Kinds.STT_DONE -> {
                String transcript = payload.path("transcript").asText("");
                conversation.find(itemId).ifPresent(item -> {
                    ((ObjectNode) item.path("content").path(0)).put("transcript", transcript);
                    wiring.store().saveItem(id(), item, conversation.order());
                    if (reported) {
                        ObjectNode completed = Events.event("conversation.item.input_audio_transcription.completed");
                        completed.put("item_id", itemId).put("content_index", 0).put("transcript", transcript);
                        completed
                                .putObject("usage")
                                .put("type", "duration")
                                .put(
                                        "seconds",
                                        payload.path("usage").path("seconds").asDouble(0));
                        send(completed);
                    }
                    sendItemDone(item);
                });
                transcriptionEnded(itemId, true);
            }
            case Kinds.STT_ERROR ->
                transcriptionFailed(
                        itemId,
                        payload.path("code").asText("upstream_error"),
                        payload.path("message").asText("Transcription failed."));
            default -> {
                // other kinds of later envelope versions
            }
        }
    }

    private void transcriptionFailed(String itemId, String code, String message) {
        if (!transcribing.containsKey(itemId)) {
            return;
        }
        wiring.workers().cancel(itemId);
        if (config.audioInput().path("transcription").isNull()) {
            // The client did not ask for transcripts, so a transcription.failed would be news to it.
            send(Events.error(
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
            send(failed);
        }
        conversation.find(itemId).ifPresent(this::sendItemDone);
        transcriptionEnded(itemId, false);
    }

    private void transcriptionEnded(String itemId, boolean transcribed) {
        boolean respond = Boolean.TRUE.equals(transcribing.remove(itemId));
        ScheduledFuture<?> timer = transcriptionTimers.remove(itemId);
        if (timer != null) {
            timer.cancel(false);
        }
        for (Deferred waiting : List.copyOf(deferred)) {
            waiting.itemIds().remove(itemId);
            if (waiting.itemIds().isEmpty()) {
                deferred.remove(waiting);
                waiting.submit().run();
            }
        }
        if (respond && transcribed && conversationResponse == null) {
            try {
                startResponse(Json.object(), true, null, conversation.items(), admit());
            } catch (RealtimeError e) {
                send(Events.error(e, null));
            }
        }
    }

    private void sendItemDone(ObjectNode item) {
        ObjectNode done = Events.event("conversation.item.done");
        done.put("previous_item_id", conversation.previousOf(item.path("id").asText()));
        done.set("item", item.deepCopy());
        send(done);
    }

    private List<ObjectNode> inputItems(JsonNode input) {
        if (!input.isArray()) {
            throw RealtimeError.invalidType("response.input", "an array");
        }
        List<ObjectNode> items = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            String at = "response.input[" + i + "]";
            JsonNode raw = input.get(i);
            if ("item_reference".equals(raw.path("type").asText())) {
                ObjectNode reference = Fields.object(raw, at);
                Fields.onlyKnown(reference, at, Set.of("type", "id"));
                String refId = Fields.requiredString(reference, "id", at);
                items.add(conversation
                        .find(refId)
                        .orElseThrow(() -> RealtimeError.invalidValue(
                                Fields.join(at, "id"), "Item with id '" + refId + "' not found in the conversation.")));
            } else {
                // Out-of-band input may answer calls that are not in the default conversation.
                items.add(Items.normalize(raw, at, null));
            }
        }
        return items;
    }

    private static ObjectNode metadata(JsonNode metadata) {
        if (metadata == null || metadata.isNull()) {
            return null;
        }
        ObjectNode map = Fields.object(metadata, "response.metadata");
        if (map.size() > 16) {
            throw RealtimeError.invalidValue("response.metadata", "Metadata holds at most 16 keys.");
        }
        for (Map.Entry<String, JsonNode> entry : map.properties()) {
            String at = "response.metadata." + entry.getKey();
            if (entry.getKey().length() > 64) {
                throw RealtimeError.invalidValue(at, "Metadata keys are at most 64 characters.");
            }
            if (Fields.string(entry.getValue(), at).length() > 512) {
                throw RealtimeError.invalidValue(at, "Metadata values are at most 512 characters.");
            }
        }
        return map.deepCopy();
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
            return;
        }
        if (envelope.kind().startsWith("stt.")) {
            handleTranscript(envelope);
            return;
        }
        ResponseStream response = responses.get(envelope.responseId());
        if (response == null) {
            return; // late result for a response that is already done or cancelled
        }
        armIdleTimer(response);
        if (response.accept(envelope)) {
            forget(response);
        }
    }

    private void cancel(ResponseStream response, String reason) {
        wiring.workers().cancel(response.id());
        response.finish("cancelled", reason, null);
        forget(response);
    }

    private void forget(ResponseStream response) {
        responses.remove(response.id());
        if (responses.isEmpty()) {
            input.assistantFinished();
        }
        try {
            wiring.access().limiter().recordTokens(caller.tenantId(), limits(), response.tokensUsed());
        } catch (RuntimeException e) {
            LOG.warning("could not record the tokens of " + response.id() + ": " + e.getMessage());
        }
        if (conversationResponse == response) {
            conversationResponse = null;
        }
        ScheduledFuture<?> timer = idleTimers.remove(response.id());
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void armIdleTimer(ResponseStream response) {
        ScheduledFuture<?> previous = idleTimers.put(
                response.id(),
                wiring.timers()
                        .schedule(
                                () -> run(() -> {
                                    if (responses.get(response.id()) == response) {
                                        wiring.workers().cancel(response.id());
                                        response.finish(
                                                "failed",
                                                null,
                                                Events.failure(
                                                        "response_timeout",
                                                        "No model output arrived for "
                                                                + wiring.responseIdleTimeout()
                                                                        .toSeconds()
                                                                + " s; the response was stopped."));
                                        forget(response);
                                    }
                                }),
                                wiring.responseIdleTimeout().toMillis(),
                                TimeUnit.MILLISECONDS));
        if (previous != null) {
            previous.cancel(false);
        }
    }

    private void expire() {
        if (closed) {
            return;
        }
        send(Events.error(
                new RealtimeError(
                        RealtimeError.INVALID_REQUEST,
                        "session_expired",
                        "Your session hit the maximum duration of "
                                + wiring.maxDuration().toMinutes() + " minutes.",
                        null),
                null));
        shutdown(1001);
    }

    /** Ends the session; a non-zero {@code closeCode} also closes the socket with that code. */
    private void shutdown(int closeCode) {
        if (closed) {
            return;
        }
        for (ResponseStream response : List.copyOf(responses.values())) {
            cancel(response, "client_cancelled");
        }
        transcribing.keySet().forEach(wiring.workers()::cancel);
        transcriptionTimers.values().forEach(timer -> timer.cancel(false));
        input.close();
        if (lease != null) {
            try {
                wiring.access().limiter().releaseSession(caller.tenantId(), lease);
            } catch (RuntimeException e) {
                LOG.fine("session lease " + lease + " lapses by itself: " + e.getMessage());
            }
        }
        closed = true;
        if (expiry != null) {
            expiry.cancel(false);
        }
        wiring.store().close(id(), caller.tenantId());
        span.end();
        if (closeCode != 0) {
            sink.close(closeCode, "session ended");
        }
        loop.shutdown();
    }

    private void sendError(RealtimeError error, String clientEventId) {
        send(Events.error(error, clientEventId));
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
                    LOG.log(Level.SEVERE, "session " + id() + " failed handling an event", e);
                    send(Events.error(
                            new RealtimeError(
                                    RealtimeError.SERVER_ERROR,
                                    "server_error",
                                    "The server had an error while processing your request.",
                                    null),
                            null));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The session ended while the task was on its way.
        }
    }

    private record Deferred(Set<String> itemIds, Runnable submit) {}

    /** One sentence of an assistant audio item and how long it plays. */
    private record Spoken(String text, long durationMs) {}

    /** The session's side of its responses: they speak through it and write to its conversation. */
    private final class ResponseHost implements ResponseStream.Host {
        @Override
        public void send(ObjectNode event) {
            RealtimeSession.this.send(event);
        }

        @Override
        public Conversation conversation() {
            return conversation;
        }

        @Override
        public void saveItem(ObjectNode item) {
            wiring.store().saveItem(id(), item, conversation.order());
        }

        @Override
        public void synthesize(ResponseStream response, String itemId, int segment, String text) {
            ObjectNode job = Json.object();
            job.put("text", text);
            job.put("voice", response.audioOutput().path("voice").asText("alloy"));
            job.put("speed", response.audioOutput().path("speed").asDouble(1.0));
            job.put("rate", response.outputFormat().rate());
            job.put("segment", segment);
            Telemetry.TraceHeaders trace = Telemetry.headers(response.span());
            wiring.workers()
                    .submit(
                            Streams.TTS_JOBS,
                            new Envelope(
                                    Kinds.TTS_REQUEST,
                                    caller.tenantId(),
                                    caller.projectId(),
                                    id(),
                                    response.id(),
                                    itemId,
                                    segment,
                                    System.currentTimeMillis()
                                            + wiring.responseIdleTimeout().toMillis(),
                                    trace.traceparent(),
                                    trace.tracestate(),
                                    Streams.gatewayStream(wiring.gatewayId()),
                                    1,
                                    Json.write(job)));
        }

        @Override
        public void played(String itemId, AudioFormat format, byte[] audio) {
            if (conversation.contains(itemId)) {
                itemAudio.append(itemId, 0, audio, format.rate() / 1000 * format.bytesPerSample());
            }
        }

        @Override
        public void spoken(String itemId, String text, long durationMs) {
            spokenAudio.computeIfAbsent(itemId, k -> new ArrayList<>()).add(new Spoken(text, durationMs));
            input.assistantSpoke(durationMs);
            try {
                wiring.access()
                        .limiter()
                        .recordAudio(caller.tenantId(), limits(), Math.max(1, (durationMs + 999) / 1000));
            } catch (RuntimeException e) {
                LOG.warning("could not record spoken audio for " + id() + ": " + e.getMessage());
            }
        }
    }
}
