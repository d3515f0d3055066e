package dev.agentvoicebox.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.JobConsumer;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.JobReplies;
import dev.agentvoicebox.platform.JobSpans;
import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one {@code llm.request} job: streams the engine's output to the job's {@code reply_to} stream
 * as {@code llm.text.delta} / {@code llm.tool_call.delta}, then {@code llm.done} or {@code llm.error},
 * with {@code seq} counting from 1 in this attempt. Once the job is cancelled nothing more is written.
 * One span per job (GenAI semantic conventions), child of the envelope's trace context.
 */
final class LlmWorker implements JobConsumer.Handler {
    private static final Logger LOG = Logger.getLogger(LlmWorker.class.getName());

    private final Engine engine;
    private final StreamPublisher publisher;
    private final ObjectMapper json;
    private final Tracer tracer;

    LlmWorker(Engine engine, StreamPublisher publisher, ObjectMapper json, Tracer tracer) {
        this.engine = engine;
        this.publisher = publisher;
        this.json = json;
        this.tracer = tracer;
    }

    @Override
    public void handle(JobConsumer.Job job) {
        Envelope envelope = job.envelope();
        if (!Kinds.LLM_REQUEST.equals(envelope.kind())) {
            LOG.warning(() -> "ignoring " + envelope.kind() + " job " + job.messageId());
            return;
        }
        Results results = new Results(job);
        ObjectNode request;
        try {
            JsonNode parsed = json.readTree(envelope.payload());
            if (!(parsed instanceof ObjectNode object)) {
                throw new IOException("payload is not an object");
            }
            request = object;
        } catch (IOException e) {
            results.error(JobException.INVALID_REQUEST, "llm.request payload is not a JSON object");
            return;
        }
        String requestedModel = request.path("model").asText("");
        String model = requestedModel.isEmpty() ? engine.defaultModel() : requestedModel;
        Span span = JobSpans.builder(tracer, "chat " + model, envelope)
                .setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("gen_ai.provider.name", engine.name())
                .setAttribute("gen_ai.request.model", model)
                .setAttribute("avb.project_id", envelope.projectId())
                .setAttribute("avb.response_id", envelope.responseId())
                .setAttribute("avb.tools", (long) request.path("tools").size())
                .startSpan();
        if (request.path("max_output_tokens").canConvertToLong()) {
            span.setAttribute(
                    "gen_ai.request.max_tokens",
                    request.path("max_output_tokens").asLong());
        }
        if (request.path("temperature").isNumber()) {
            span.setAttribute(
                    "gen_ai.request.temperature", request.path("temperature").asDouble());
        }
        results.span = span;
        try (Scope ignored = span.makeCurrent()) {
            Engine.Completion completion = engine.stream(request, results, results);
            if (job.cancelled()) {
                span.setAttribute("avb.cancelled", true);
                return;
            }
            span.setAttribute("gen_ai.response.model", completion.model());
            span.setAttribute(
                    io.opentelemetry.api.common.AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"),
                    java.util.List.of(completion.finishReason()));
            span.setAttribute("gen_ai.usage.input_tokens", completion.inputTokens());
            span.setAttribute("gen_ai.usage.output_tokens", completion.outputTokens());
            results.done(completion);
        } catch (JobException e) {
            JobSpans.failed(span, e);
            if (job.cancelled()) {
                span.setAttribute("avb.cancelled", true);
            } else {
                results.error(e.code(), e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "llm job " + job.messageId() + " failed", e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            span.setAttribute("error.type", e.getClass().getName());
            if (!job.cancelled()) {
                results.error(JobException.UPSTREAM_ERROR, "the language model failed");
            }
        } finally {
            span.end();
        }
    }

    /** Writes one attempt's results in order; drops everything once the job is cancelled. */
    private final class Results implements Engine.Output, Engine.Cancellation {
        private final JobConsumer.Job job;
        private final JobReplies replies;
        private final CompletableFuture<Void> cancelled = new CompletableFuture<>();
        private final long startNanos = System.nanoTime();
        private volatile boolean forwarded;
        private Span span;

        Results(JobConsumer.Job job) {
            this.job = job;
            this.replies = new JobReplies(job, publisher);
            job.onCancel(() -> cancelled.complete(null));
        }

        @Override
        public boolean cancelled() {
            return job.cancelled();
        }

        @Override
        public void onCancel(Runnable action) {
            job.onCancel(action);
        }

        @Override
        public boolean sleep(long millis) throws InterruptedException {
            if (millis <= 0) {
                return job.cancelled();
            }
            try {
                cancelled.get(millis, TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                return true;
            }
        }

        @Override
        public boolean forwardedAny() {
            return forwarded;
        }

        @Override
        public void text(String delta) {
            ObjectNode payload = json.createObjectNode().put("delta", delta);
            send(Kinds.LLM_TEXT_DELTA, payload, true);
        }

        @Override
        public void toolCall(int index, String name, String arguments) {
            ObjectNode payload = json.createObjectNode().put("index", index);
            if (name != null) {
                payload.put("name", name);
            }
            payload.put("arguments", arguments == null ? "" : arguments);
            send(Kinds.LLM_TOOL_CALL_DELTA, payload, true);
        }

        void done(Engine.Completion completion) {
            ObjectNode payload = json.createObjectNode()
                    .put("finish_reason", completion.finishReason())
                    .put("model", completion.model());
            payload.putObject("usage")
                    .put("input_tokens", completion.inputTokens())
                    .put("output_tokens", completion.outputTokens());
            send(Kinds.LLM_DONE, payload, false);
        }

        void error(String code, String message) {
            send(Kinds.LLM_ERROR, json.createObjectNode().put("code", code).put("message", message), false);
        }

        private synchronized void send(String kind, ObjectNode payload, boolean delta) {
            if (job.cancelled()) {
                return;
            }
            if (delta && !forwarded) {
                forwarded = true;
                if (span != null) {
                    long ttftMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
                    span.setAttribute("avb.time_to_first_token_ms", ttftMs);
                    span.addEvent("gen_ai.first_token");
                }
            }
            replies.send(kind, payload);
        }
    }
}
