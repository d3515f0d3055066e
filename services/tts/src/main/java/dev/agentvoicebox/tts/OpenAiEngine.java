package dev.agentvoicebox.tts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.Cancellation;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.OpenAiHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * Any OpenAI-compatible {@code POST /v1/audio/speech} (OpenAI, Kokoro servers) with
 * {@code response_format: "pcm"}: the body is raw 24 kHz mono PCM16 little-endian, read as it
 * streams. The API key is sent as a bearer token and never logged.
 */
final class OpenAiEngine implements Engine {
    private static final Logger LOG = Logger.getLogger(OpenAiEngine.class.getName());
    static final int RATE = 24_000;

    private final HttpClient http;
    private final ObjectMapper json;
    private final URI endpoint;
    private final String apiKey;
    private final String model;
    private final Duration timeout;

    OpenAiEngine(HttpClient http, ObjectMapper json, String baseUrl, String apiKey, String model, Duration timeout) {
        this.http = http;
        this.json = json;
        this.endpoint = OpenAiHttp.endpoint(baseUrl, "/audio/speech");
        this.apiKey = apiKey;
        this.model = model;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public boolean available() {
        return true;
    }

    String model() {
        return model;
    }

    @Override
    public void synthesize(String text, String voice, double speed, Sink sink, Cancellation cancel)
            throws JobException, InterruptedException {
        ObjectNode body = json.createObjectNode()
                .put("model", model)
                .put("input", text)
                .put("voice", voice)
                .put("speed", speed)
                .put("response_format", "pcm");
        HttpRequest request = OpenAiHttp.request(endpoint, apiKey, timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        HttpResponse<InputStream> response =
                OpenAiHttp.send(http, request, HttpResponse.BodyHandlers.ofInputStream(), cancel, "speech");
        if (response == null) {
            return;
        }
        try (InputStream in = response.body()) {
            cancel.onCancel(() -> {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // closing is how the download stops
                }
            });
            if (response.statusCode() / 100 != 2) {
                String upstream = new String(in.readNBytes(4096));
                LOG.warning(() ->
                        "speech service answered " + response.statusCode() + ": " + upstream.replaceAll("\\s+", " "));
                throw OpenAiHttp.refused(response.statusCode(), "speech", "text");
            }
            byte[] buffer = new byte[RATE / 10 * 2];
            int held = 0;
            int n;
            while (!cancel.cancelled() && (n = in.read(buffer, held, buffer.length - held)) > 0) {
                held += n;
                int whole = held & ~1;
                if (whole >= 2) {
                    sink.audio(Pcm.fromLittleEndian(buffer, 0, whole), RATE);
                    System.arraycopy(buffer, whole, buffer, 0, held - whole);
                    held -= whole;
                }
            }
        } catch (IOException e) {
            if (!cancel.cancelled()) {
                throw new JobException(JobException.UPSTREAM_ERROR, "The speech service stopped mid-answer.");
            }
        }
    }
}
