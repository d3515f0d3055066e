package dev.agentvoicebox.tts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.JobConsumer;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.JobReplies;
import dev.agentvoicebox.platform.JobSpans;
import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.platform.audio.Resampler;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one {@code tts.request} (one sentence of a response): resolves the voice in the catalog,
 * synthesises, converts to the requested rate and answers {@code tts.audio} chunks then
 * {@code tts.done}, or {@code tts.error}. Once the job is cancelled the engine is stopped and
 * nothing more is written. Text and audio never reach the logs.
 */
final class TtsWorker implements JobConsumer.Handler {
    private static final Logger LOG = Logger.getLogger(TtsWorker.class.getName());
    static final int MAX_TEXT_CHARS = 4096;

    private final VoiceCatalog catalog;
    private final Map<String, Engine> engines;
    private final StreamPublisher publisher;
    private final ObjectMapper json;
    private final Tracer tracer;
    private final int chunkMs;

    TtsWorker(
            VoiceCatalog catalog,
            Map<String, Engine> engines,
            StreamPublisher publisher,
            ObjectMapper json,
            Tracer tracer,
            int chunkMs) {
        this.catalog = catalog;
        this.engines = engines;
        this.publisher = publisher;
        this.json = json;
        this.tracer = tracer;
        this.chunkMs = chunkMs;
    }

    @Override
    public void handle(JobConsumer.Job job) throws InterruptedException {
        Envelope envelope = job.envelope();
        if (!Kinds.TTS_REQUEST.equals(envelope.kind())) {
            LOG.warning(() -> "ignoring " + envelope.kind() + " job " + job.messageId());
            return;
        }
        Output output = new Output(job);
        Span span = JobSpans.builder(tracer, "tts", envelope)
                .setAttribute("avb.response_id", envelope.responseId())
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            Request request = parse(envelope.payload());
            output.segment = request.segment;
            output.rate = request.rate;
            VoiceCatalog.Voice voice = catalog.find(request.voice);
            if (voice == null) {
                throw new JobException(JobException.INVALID_REQUEST, "Unknown voice '" + request.voice + "'.");
            }
            Engine engine = engines.get(voice.engine());
            if (engine == null) {
                throw new JobException(
                        JobException.UNAVAILABLE, "The " + voice.engine() + " engine is not configured.");
            }
            span.setAttribute("avb.engine", engine.name());
            span.setAttribute("avb.voice", voice.id());
            span.setAttribute("avb.text_chars", (long) request.text.length());
            span.setAttribute("avb.segment", (long) request.segment);
            engine.synthesize(request.text, voice.engineVoice(), request.speed, output, job);
            if (job.cancelled()) {
                span.setAttribute("avb.cancelled", true);
                return;
            }
            output.finish();
            span.setAttribute("avb.audio_ms", output.samples * 1000L / request.rate);
            ObjectNode done = json.createObjectNode()
                    .put("segment", request.segment)
                    .put("rate", request.rate)
                    .put("samples", output.samples)
                    .put("duration_ms", output.samples * 1000L / request.rate)
                    .put("voice", voice.id())
                    .put("engine", engine.name());
            output.send(Kinds.TTS_DONE, done);
        } catch (JobException e) {
            JobSpans.failed(span, e);
            output.error(e.code(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "tts job " + job.messageId() + " failed", e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            output.error(JobException.UPSTREAM_ERROR, "Speech synthesis failed.");
        } finally {
            span.end();
        }
    }

    record Request(String text, String voice, double speed, int rate, int segment) {}

    private Request parse(String payload) throws JobException {
        JsonNode node;
        try {
            node = json.readTree(payload);
        } catch (IOException e) {
            node = null;
        }
        if (node == null || !node.isObject()) {
            throw new JobException(JobException.INVALID_REQUEST, "tts.request payload is not a JSON object.");
        }
        String text = node.path("text").asText("").strip();
        if (text.isEmpty()) {
            throw new JobException(JobException.INVALID_REQUEST, "tts.request needs non-empty 'text'.");
        }
        if (text.length() > MAX_TEXT_CHARS) {
            throw new JobException(
                    JobException.INVALID_REQUEST, "tts.request 'text' is over " + MAX_TEXT_CHARS + " characters.");
        }
        double speed = node.path("speed").asDouble(1.0);
        if (!(speed >= 0.25 && speed <= 1.5)) {
            throw new JobException(JobException.INVALID_REQUEST, "'speed' must be between 0.25 and 1.5.");
        }
        int rate = node.path("rate").asInt(24_000);
        if (rate != 8_000 && rate != 16_000 && rate != 24_000) {
            throw new JobException(JobException.INVALID_REQUEST, "'rate' must be 8000, 16000 or 24000.");
        }
        return new Request(
                text,
                node.path("voice").asText("alloy"),
                speed,
                rate,
                node.path("segment").asInt(0));
    }

    /** Resamples the engine's audio to the requested rate and sends it in chunks of {@code chunkMs}. */
    private final class Output implements Engine.Sink {
        private final JobConsumer.Job job;
        private final JobReplies replies;
        private int segment;
        private int rate = 24_000;
        private Resampler resampler;
        private short[] pending = new short[0];
        private long samples;

        Output(JobConsumer.Job job) {
            this.job = job;
            this.replies = new JobReplies(job, publisher);
        }

        @Override
        public synchronized void audio(short[] engineSamples, int engineRate) {
            if (job.cancelled()) {
                return;
            }
            if (resampler == null || resampler.inRate() != engineRate) {
                flushResampler();
                resampler = new Resampler(engineRate, rate);
            }
            append(resampler.process(engineSamples));
            int chunk = rate * chunkMs / 1000;
            while (pending.length >= chunk) {
                emit(Arrays.copyOf(pending, chunk));
                pending = Arrays.copyOfRange(pending, chunk, pending.length);
            }
        }

        synchronized void finish() {
            flushResampler();
            if (pending.length > 0) {
                emit(pending);
                pending = new short[0];
            }
        }

        private void flushResampler() {
            if (resampler != null) {
                append(resampler.flush());
            }
        }

        private void append(short[] more) {
            short[] joined = Arrays.copyOf(pending, pending.length + more.length);
            System.arraycopy(more, 0, joined, pending.length, more.length);
            pending = joined;
        }

        private void emit(short[] chunk) {
            samples += chunk.length;
            send(
                    Kinds.TTS_AUDIO,
                    json.createObjectNode()
                            .put("segment", segment)
                            .put("rate", rate)
                            .put(
                                    "audio",
                                    Base64.getEncoder().encodeToString(Pcm.toLittleEndian(chunk, 0, chunk.length))));
        }

        void error(String code, String message) {
            send(
                    Kinds.TTS_ERROR,
                    json.createObjectNode()
                            .put("segment", segment)
                            .put("code", code)
                            .put("message", message));
        }

        void send(String kind, ObjectNode payload) {
            replies.send(kind, payload);
        }
    }
}
