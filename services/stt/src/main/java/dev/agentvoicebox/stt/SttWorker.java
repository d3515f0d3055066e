package dev.agentvoicebox.stt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.JobConsumer;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.JobReplies;
import dev.agentvoicebox.platform.JobSpans;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.Base64;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one {@code stt.request}: loads the turn's audio (inline or from its Redis key), transcribes
 * it and answers an {@code stt.delta} per piece the engine recognises (an utterance for pocketsphinx),
 * then {@code stt.done}, or {@code stt.error}, to {@code reply_to}.
 * A cancelled job writes nothing more. Transcripts and audio never reach the logs.
 */
final class SttWorker implements JobConsumer.Handler {
    private static final Logger LOG = Logger.getLogger(SttWorker.class.getName());
    /** A turn longer than this is refused: OpenAI's upload limit is 25 MB, about 13 min at 16 kHz. */
    static final int MAX_AUDIO_BYTES = 25 * 1024 * 1024;

    private final Engine engine;
    private final RedisConnections redis;
    private final StreamPublisher publisher;
    private final ObjectMapper json;
    private final Tracer tracer;

    SttWorker(Engine engine, RedisConnections redis, StreamPublisher publisher, ObjectMapper json, Tracer tracer) {
        this.engine = engine;
        this.redis = redis;
        this.publisher = publisher;
        this.json = json;
        this.tracer = tracer;
    }

    @Override
    public void handle(JobConsumer.Job job) throws InterruptedException {
        Envelope envelope = job.envelope();
        if (!Kinds.STT_REQUEST.equals(envelope.kind())) {
            LOG.warning(() -> "ignoring " + envelope.kind() + " job " + job.messageId());
            return;
        }
        JobReplies replies = new JobReplies(job, publisher);
        Span span = JobSpans.builder(tracer, "stt " + engine.name(), envelope)
                .setAttribute("avb.engine", engine.name())
                .setAttribute("avb.item_id", envelope.itemId())
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            JsonNode payload = parse(envelope.payload());
            byte[] audio = audio(payload);
            double seconds = audio.length / 2.0 / Engine.SAMPLE_RATE;
            span.setAttribute("avb.audio_seconds", seconds);
            String transcript = engine.transcribe(
                    audio,
                    payload.path("language").asText(""),
                    payload.path("prompt").asText(""),
                    piece -> {
                        if (!piece.isEmpty() && !job.cancelled()) {
                            replies.send(
                                    Kinds.STT_DELTA, json.createObjectNode().put("delta", piece));
                        }
                    },
                    job);
            if (job.cancelled()) {
                span.setAttribute("avb.cancelled", true);
                return;
            }
            span.setAttribute("avb.transcript_chars", (long) transcript.length());
            ObjectNode done =
                    json.createObjectNode().put("transcript", transcript).put("engine", engine.name());
            done.putObject("usage").put("type", "duration").put("seconds", Math.round(seconds * 1000) / 1000.0);
            replies.send(Kinds.STT_DONE, done);
        } catch (JobException e) {
            JobSpans.failed(span, e);
            replies.send(
                    Kinds.STT_ERROR,
                    json.createObjectNode().put("code", e.code()).put("message", e.getMessage()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "stt job " + job.messageId() + " failed", e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            replies.send(
                    Kinds.STT_ERROR,
                    json.createObjectNode()
                            .put("code", JobException.UPSTREAM_ERROR)
                            .put("message", "Transcription failed."));
        } finally {
            span.end();
        }
    }

    private JsonNode parse(String payload) throws JobException {
        try {
            JsonNode node = json.readTree(payload);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException e) {
            // answered below
        }
        throw new JobException(JobException.INVALID_REQUEST, "stt.request payload is not a JSON object.");
    }

    /** The 16 kHz PCM16 bytes: inline {@code audio}, or the string at {@code audio_key}. */
    private byte[] audio(JsonNode payload) throws JobException {
        String base64;
        if (payload.path("audio").isTextual()) {
            base64 = payload.path("audio").asText();
        } else if (payload.path("audio_key").isTextual()) {
            base64 = redis.shared().sync().get(payload.path("audio_key").asText());
            if (base64 == null) {
                throw new JobException(
                        JobException.INVALID_REQUEST, "The turn's audio expired before it was transcribed.");
            }
        } else {
            throw new JobException(JobException.INVALID_REQUEST, "stt.request needs 'audio' or 'audio_key'.");
        }
        if ((long) base64.length() / 4 * 3 > MAX_AUDIO_BYTES) {
            throw new JobException(JobException.INVALID_REQUEST, "The turn is too long to transcribe.");
        }
        byte[] audio;
        try {
            audio = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new JobException(JobException.INVALID_REQUEST, "The turn's audio is not valid base64.");
        }
        if ((audio.length & 1) != 0) {
            throw new JobException(JobException.INVALID_REQUEST, "The turn's audio is not whole PCM16 samples.");
        }
        return audio;
    }
}
