package dev.agentvoicebox.stt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.OpenAiHttp;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Any OpenAI-compatible {@code POST /v1/audio/transcriptions} (OpenAI, Groq, faster-whisper servers):
 * the turn goes up as a WAV file in a multipart form with {@code model}, {@code language},
 * {@code prompt} and {@code response_format=json}; the answer's {@code text} is the transcript.
 * With {@code stream=true} (the gpt-4o transcribe models) the answer is SSE
 * {@code transcript.text.delta} events, each passed on as it comes, then {@code transcript.text.done};
 * the answer's Content-Type decides how it is read, so a server that ignores {@code stream} still works.
 * The API key is sent as a bearer token and never logged.
 */
final class OpenAiEngine implements Engine {
    private static final Logger LOG = Logger.getLogger(OpenAiEngine.class.getName());

    private final HttpClient http;
    private final ObjectMapper json;
    private final URI endpoint;
    private final String apiKey;
    private final String model;
    private final boolean stream;
    private final Duration timeout;

    /**
     * @param baseUrl up to and including {@code /v1}, e.g. {@code https://api.openai.com/v1}
     * @param stream  {@code auto} streams for the models known to (gpt-4o*-transcribe), or {@code true}/{@code false}
     */
    OpenAiEngine(
            HttpClient http,
            ObjectMapper json,
            String baseUrl,
            String apiKey,
            String model,
            String stream,
            Duration timeout) {
        this.http = http;
        this.json = json;
        this.endpoint = OpenAiHttp.endpoint(baseUrl, "/audio/transcriptions");
        this.apiKey = apiKey;
        this.model = model;
        this.stream = switch (stream) {
            case "true" -> true;
            case "false" -> false;
            case "auto" -> model.startsWith("gpt-4o") && model.contains("transcribe");
            default ->
                throw new IllegalArgumentException("AVB_STT_STREAM must be auto, true or false, not '" + stream + "'");
        };
        this.timeout = timeout;
    }

    boolean streams() {
        return stream;
    }

    @Override
    public String name() {
        return "openai";
    }

    String model() {
        return model;
    }

    @Override
    public String transcribe(
            byte[] pcm16k, String language, String prompt, Consumer<String> pieces, Cancellation cancel)
            throws JobException, InterruptedException {
        String boundary = "avb-" + UUID.randomUUID();
        Multipart form = new Multipart(boundary);
        form.field("model", model);
        form.field("response_format", "json");
        if (stream) {
            form.field("stream", "true");
        }
        if (!language.isEmpty()) {
            form.field("language", language);
        }
        if (!prompt.isEmpty()) {
            form.field("prompt", prompt);
        }
        form.file("file", "audio.wav", "audio/wav", Wav.of(pcm16k, SAMPLE_RATE));
        HttpRequest request = OpenAiHttp.request(endpoint, apiKey, timeout)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Accept", stream ? "text/event-stream, application/json" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.finish()))
                .build();
        HttpResponse<InputStream> response =
                OpenAiHttp.send(http, request, HttpResponse.BodyHandlers.ofInputStream(), cancel, "transcription");
        if (response == null) {
            return "";
        }
        // The request timeout covers the wait for headers; this one also covers a stream that stalls.
        AtomicBoolean timedOut = new AtomicBoolean();
        CompletableFuture<Void> deadline = CompletableFuture.runAsync(
                () -> {
                    timedOut.set(true);
                    closeQuietly(response.body());
                },
                CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS));
        cancel.onCancel(() -> closeQuietly(response.body()));
        try (InputStream body = response.body()) {
            if (response.statusCode() / 100 != 2) {
                // Only the status: a provider's error text can quote part of the key it refused.
                LOG.warning(() -> "transcription service answered " + response.statusCode());
                throw OpenAiHttp.refused(response.statusCode(), "transcription", "audio");
            }
            boolean sse =
                    response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream");
            return sse ? readEvents(body, pieces, cancel) : readJson(body, pieces);
        } catch (IOException e) {
            if (cancel.cancelled()) {
                return "";
            }
            if (timedOut.get()) {
                throw new JobException(JobException.TIMEOUT, "The transcription service did not finish in time.");
            }
            throw new JobException(JobException.UPSTREAM_ERROR, "The transcription service's answer broke off.");
        } finally {
            deadline.cancel(false);
        }
    }

    private String readJson(InputStream body, Consumer<String> pieces) throws IOException, JobException {
        JsonNode answer;
        try {
            answer = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new JobException(JobException.UPSTREAM_ERROR, "The transcription service sent unreadable JSON.");
        }
        if (answer == null || !answer.path("text").isTextual()) {
            throw new JobException(JobException.UPSTREAM_ERROR, "The transcription service sent no text.");
        }
        String transcript = answer.path("text").asText().strip();
        pieces.accept(transcript);
        return transcript;
    }

    /** SSE: {@code transcript.text.delta} pieces as they come; {@code transcript.text.done} ends it. */
    private String readEvents(InputStream body, Consumer<String> pieces, Cancellation cancel)
            throws IOException, JobException {
        StringBuilder transcript = new StringBuilder();
        BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null && !cancel.cancelled(); line = lines.readLine()) {
            if (!line.startsWith("data:")
                    || line.substring(5).isBlank()
                    || line.substring(5).strip().equals("[DONE]")) {
                continue; // blank separators, comments, event: lines
            }
            JsonNode event;
            try {
                event = json.readTree(line.substring(5));
            } catch (JsonProcessingException e) {
                throw new JobException(
                        JobException.UPSTREAM_ERROR, "The transcription service sent a malformed event.");
            }
            switch (event.path("type").asText()) {
                case "transcript.text.delta" -> {
                    String piece = event.path("delta").asText("");
                    if (!piece.isEmpty()) {
                        transcript.append(piece);
                        pieces.accept(piece);
                    }
                }
                case "transcript.text.done" -> {
                    String text = event.path("text").asText("");
                    if (transcript.isEmpty() && !text.isEmpty()) {
                        transcript.append(text);
                        pieces.accept(text);
                    }
                    return transcript.toString();
                }
                case "error" ->
                    throw new JobException(JobException.UPSTREAM_ERROR, "The transcription service failed.");
                default -> {
                    // later event types
                }
            }
        }
        if (cancel.cancelled()) {
            return "";
        }
        throw new JobException(
                JobException.UPSTREAM_ERROR, "The transcription stream ended before transcript.text.done.");
    }

    private static void closeQuietly(InputStream stream) {
        try {
            stream.close();
        } catch (IOException e) {
            // closing to abort
        }
    }

    /** multipart/form-data (RFC 7578) by hand: java.net.http has no form publisher. */
    private static final class Multipart {
        private final String boundary;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Multipart(String boundary) {
            this.boundary = boundary;
        }

        void field(String name, String value) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                    + "\r\n");
        }

        void file(String name, String filename, String type, byte[] content) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                    + "\"\r\nContent-Type: " + type + "\r\n\r\n");
            out.writeBytes(content);
            write("\r\n");
        }

        byte[] finish() {
            write("--" + boundary + "--\r\n");
            return out.toByteArray();
        }

        private void write(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }
    }
}
