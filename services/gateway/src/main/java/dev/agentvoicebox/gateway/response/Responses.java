package dev.agentvoicebox.gateway.response;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Events;
import dev.agentvoicebox.gateway.Fields;
import dev.agentvoicebox.gateway.Ids;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.gateway.SessionContext;
import dev.agentvoicebox.gateway.access.SessionAccess;
import dev.agentvoicebox.gateway.audio.AudioFormat;
import dev.agentvoicebox.gateway.conversation.Conversation;
import dev.agentvoicebox.gateway.conversation.ConversationEditor;
import dev.agentvoicebox.gateway.realtime.OutputSettings;
import dev.agentvoicebox.gateway.realtime.SessionConfig;
import dev.agentvoicebox.gateway.voice.InputAudio;
import dev.agentvoicebox.gateway.voice.Transcriptions;
import dev.agentvoicebox.platform.Telemetry;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.limits.LimitOutcome;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import dev.agentvoicebox.protocol.Streams;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;

/**
 * A session's responses: starting them (after the transcripts they read), routing worker results
 * to each {@link ResponseStream}, cancelling them (client, barge-in, idle model, session end), and
 * at most one at a time in the default conversation.
 */
public final class Responses {
    private final SessionContext session;
    private final SessionConfig config;
    private final SessionAccess access;
    private final ConversationEditor conversation;
    private final InputAudio input;
    private final Transcriptions transcriptions;
    private final ResponseStream.Host host = new Host();

    private final Map<String, ResponseStream> responses = new LinkedHashMap<>();
    private final Map<String, ScheduledFuture<?>> idleTimers = new HashMap<>();
    /** Responses whose context holds an item still being transcribed; each submits when its set empties. */
    private final List<Deferred> deferred = new ArrayList<>();

    private ResponseStream conversationResponse;

    public Responses(
            SessionContext session,
            SessionConfig config,
            SessionAccess access,
            ConversationEditor conversation,
            InputAudio input,
            Transcriptions transcriptions) {
        this.session = session;
        this.config = config;
        this.access = access;
        this.conversation = conversation;
        this.input = input;
        this.transcriptions = transcriptions;
    }

    private record Deferred(Set<String> itemIds, Runnable submit) {}

    /** {@code response.create}. */
    public void create(ObjectNode event) {
        ResponseRequest request = ResponseRequest.parse(event, conversation.conversation(), access);
        if (request.inConversation() && conversationResponse != null) {
            throw new RealtimeError(
                    RealtimeError.INVALID_REQUEST,
                    "conversation_already_has_active_response",
                    "Conversation already has an active response in progress: " + conversationResponse.id()
                            + ". Wait until the response is finished before creating a new one.",
                    null);
        }
        start(request, access.admitResponse());
    }

    /** {@code response.cancel}: the named response, or the conversation's. */
    public void cancel(ObjectNode event) {
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

    /** The user spoke over the answer. */
    public void bargeIn() {
        if (conversationResponse != null) {
            cancel(conversationResponse, "turn_detected");
        }
    }

    /** A turn's transcript is in (or gave up): responses that waited for it go on, a voice turn is answered. */
    public void transcriptionEnded(String itemId, boolean transcribed, boolean respond) {
        for (Deferred waiting : List.copyOf(deferred)) {
            waiting.itemIds().remove(itemId);
            if (waiting.itemIds().isEmpty()) {
                deferred.remove(waiting);
                waiting.submit().run();
            }
        }
        if (respond && transcribed && conversationResponse == null) {
            try {
                start(ResponseRequest.automatic(conversation.conversation()), access.admitResponse());
            } catch (RealtimeError e) {
                session.send(Events.error(e, null));
            }
        }
    }

    /** A worker result for one of this session's responses; a late one for a finished response is dropped. */
    public void onResult(Envelope envelope) {
        ResponseStream response = responses.get(envelope.responseId());
        if (response == null) {
            return;
        }
        armIdleTimer(response);
        if (response.accept(envelope)) {
            forget(response);
        }
    }

    public void cancelAll() {
        for (ResponseStream response : List.copyOf(responses.values())) {
            cancel(response, "client_cancelled");
        }
    }

    private void start(ResponseRequest request, List<LimitOutcome> admitted) {
        String responseId = Ids.response();
        Span responseSpan = session.wiring()
                .tracer()
                .spanBuilder("realtime.response")
                .setParent(Context.current().with(session.span()))
                .startSpan();
        responseSpan.setAttribute("avb.response.id", responseId);
        responseSpan.setAttribute("avb.session.id", session.id());
        responseSpan.setAttribute("gen_ai.operation.name", "chat");
        OutputSettings audioOutput =
                config.output().with(request.params().path("audio").path("output"));
        Conversation target = conversation.conversation();
        ResponseStream response = new ResponseStream(
                responseId,
                request.inConversation() ? target.id() : null,
                request.metadata(),
                request.setting("output_modalities", config.outputModalities()),
                request.setting("max_output_tokens", config.maxOutputTokens()),
                audioOutput,
                responseSpan,
                host);
        responses.put(responseId, response);
        input.responseStarted();
        if (request.inConversation()) {
            conversationResponse = response;
        }
        response.sendCreated();
        session.send(Events.rateLimits(admitted));

        Runnable submit = () -> {
            if (responses.get(responseId) != response) {
                return; // cancelled while it waited for a transcript
            }
            submit(request, response);
            armIdleTimer(response);
        };
        Set<String> waitingOn = transcriptions.pending(request.context());
        if (waitingOn.isEmpty()) {
            submit.run();
        } else {
            // The model reads text: it answers once the turn's words are known.
            deferred.add(new Deferred(waitingOn, submit));
        }
    }

    private void submit(ResponseRequest request, ResponseStream response) {
        ObjectNode body = ChatRequest.build(
                request.params().has("instructions")
                        ? request.params().get("instructions").asText()
                        : config.instructions(),
                request.context(),
                access.offered(request.setting("tools", config.tools())),
                request.setting("tool_choice", config.toolChoice()),
                response.maxOutputTokens(),
                request.setting("temperature", config.temperature()));
        Telemetry.TraceHeaders trace = Telemetry.headers(response.span());
        long deadline =
                System.currentTimeMillis() + session.wiring().maxDuration().toMillis();
        session.wiring()
                .workers()
                .submit(
                        Streams.LLM_JOBS,
                        new Envelope(
                                Kinds.LLM_REQUEST,
                                session.caller().tenantId(),
                                session.caller().projectId(),
                                session.id(),
                                response.id(),
                                "",
                                0,
                                deadline,
                                trace.traceparent(),
                                trace.tracestate(),
                                session.replyStream(),
                                1,
                                Json.write(body)));
    }

    private void cancel(ResponseStream response, String reason) {
        session.wiring().workers().cancel(response.id());
        response.finish("cancelled", reason, null);
        forget(response);
    }

    private void forget(ResponseStream response) {
        responses.remove(response.id());
        if (responses.isEmpty()) {
            input.assistantFinished();
        }
        access.recordTokens(response.id(), response.tokensUsed());
        if (conversationResponse == response) {
            conversationResponse = null;
        }
        ScheduledFuture<?> timer = idleTimers.remove(response.id());
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** A response whose model goes quiet for the idle timeout fails instead of hanging. */
    private void armIdleTimer(ResponseStream response) {
        ScheduledFuture<?> previous = idleTimers.put(
                response.id(),
                session.schedule(
                        () -> {
                            if (responses.get(response.id()) == response) {
                                session.wiring().workers().cancel(response.id());
                                response.finish(
                                        "failed",
                                        null,
                                        Events.failure(
                                                "response_timeout",
                                                "No model output arrived for "
                                                        + session.wiring()
                                                                .responseIdleTimeout()
                                                                .toSeconds()
                                                        + " s; the response was stopped."));
                                forget(response);
                            }
                        },
                        session.wiring().responseIdleTimeout()));
        if (previous != null) {
            previous.cancel(false);
        }
    }

    /** The session's side of its responses: they speak through it and write to its conversation. */
    private final class Host implements ResponseStream.Host {
        @Override
        public void send(ObjectNode event) {
            session.send(event);
        }

        @Override
        public Conversation conversation() {
            return conversation.conversation();
        }

        @Override
        public void saveItem(ObjectNode item) {
            conversation.save(item);
        }

        @Override
        public void synthesize(ResponseStream response, String itemId, int segment, String text) {
            ObjectNode job = Json.object();
            job.put("text", text);
            job.put("voice", response.audioOutput().voice());
            job.put("speed", response.audioOutput().speed());
            job.put("rate", response.outputFormat().rate());
            job.put("segment", segment);
            Telemetry.TraceHeaders trace = Telemetry.headers(response.span());
            session.wiring()
                    .workers()
                    .submit(
                            Streams.TTS_JOBS,
                            new Envelope(
                                    Kinds.TTS_REQUEST,
                                    session.caller().tenantId(),
                                    session.caller().projectId(),
                                    session.id(),
                                    response.id(),
                                    itemId,
                                    segment,
                                    System.currentTimeMillis()
                                            + session.wiring()
                                                    .responseIdleTimeout()
                                                    .toMillis(),
                                    trace.traceparent(),
                                    trace.tracestate(),
                                    session.replyStream(),
                                    1,
                                    Json.write(job)));
        }

        @Override
        public void played(String itemId, AudioFormat format, byte[] audio) {
            conversation.played(itemId, format, audio);
        }

        @Override
        public void spoken(String itemId, String text, long durationMs) {
            conversation.spoken(itemId, text, durationMs);
            input.assistantSpoke(durationMs);
            access.recordAudio(session.id(), durationMs);
        }
    }
}
