package dev.agentvoicebox.stt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.OpenAiHttp;

/**
 * Any OpenAI-compatible {@code POST /v1/audio/transcriptions} (OpenAI, Groq, faster-whisper servers):
 * the turn goes up as a WAV file in a multipart form with {@code model}, {@code language},
 * {@code prompt} and {@code response_format=json}; the answer's {@code text} is the transcript.
 * The API key is sent as a bearer token and never logged.
 */
final class OpenAiEngine implements Engine {
    private static final Logger LOG = Logger.getLogger(OpenAiEngine.class.getName());

    private final HttpClient http;
    private final ObjectMapper json;
    private final URI endpoint;
    private final String apiKey;
    private final String model;
    private final Duration timeout;

    /** @param baseUrl up to and including {@code /v1}, e.g. {@code https://api.openai.com/v1} */
    OpenAiEngine(HttpClient http, ObjectMapper json, String baseUrl, String apiKey, String model, Duration timeout) {
        this.http = http;
        this.json = json;
        this.endpoint = OpenAiHttp.endpoint(baseUrl, "/audio/transcriptions");
        this.apiKey = apiKey;
        this.model = model;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return "openai";
    }

    String model() {
        return model;
    }

    @Override
    public String transcribe(byte[] pcm16k, String language, String prompt, Consumer<String> pieces,
                             Cancellation cancel) throws JobException, InterruptedException {
        String boundary = "avb-" + UUID.randomUUID();
        Multipart form = new Multipart(boundary);
        form.field("model", model);
        form.field("response_format", "json");
        if (!language.isEmpty()) {
            form.field("language", language);
        }
        if (!prompt.isEmpty()) {
            form.field("prompt", prompt);
        }
        form.file("file", "audio.wav", "audio/wav", Wav.of(pcm16k, SAMPLE_RATE));
        HttpRequest request = OpenAiHttp.request(endpoint, apiKey, timeout)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.finish()))
                .build();
        HttpResponse<String> response = OpenAiHttp.send(http, request,
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8), cancel, "transcription");
        if (response == null) {
            return "";
        }
        if (response.statusCode() / 100 != 2) {
            // Only the status: a provider's error text can quote part of the key it refused.
            LOG.warning(() -> "transcription service answered " + response.statusCode());
            throw OpenAiHttp.refused(response.statusCode(), "transcription", "audio");
        }
        try {
            JsonNode body = json.readTree(response.body());
            if (!body.path("text").isTextual()) {
                throw new JobException(JobException.UPSTREAM_ERROR, "The transcription service sent no text.");
            }
            String transcript = body.path("text").asText().strip();
            pieces.accept(transcript);
            return transcript;
        } catch (IOException e) {
            throw new JobException(JobException.UPSTREAM_ERROR, "The transcription service sent unreadable JSON.");
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
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
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
