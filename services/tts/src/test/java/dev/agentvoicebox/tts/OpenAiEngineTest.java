package dev.agentvoicebox.tts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentvoicebox.platform.JobException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The remote engine against a local server speaking OpenAI's wire format for
 * {@code response_format: "pcm"}: a chunked body of raw 24 kHz PCM16 LE.
 */
class OpenAiEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;
    private final AtomicReference<JsonNode> request = new AtomicReference<>();
    private final AtomicReference<String> authorization = new AtomicReference<>();
    private volatile int status = 200;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/audio/speech", this::answer);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** One second of a 440 Hz tone, sent in 4800-byte pieces (100 ms) and one odd-sized tail. */
    private void answer(HttpExchange exchange) throws IOException {
        request.set(JSON.readTree(exchange.getRequestBody()));
        authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
        if (status != 200) {
            byte[] body =
                    "{\"error\":{\"message\":\"Invalid value for 'voice'\",\"type\":\"invalid_request_error\",\"param\":\"voice\",\"code\":null}}"
                            .getBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
            return;
        }
        exchange.getResponseHeaders().add("Content-Type", "audio/pcm");
        exchange.sendResponseHeaders(200, 0);
        byte[] pcm = new byte[48_000];
        for (int i = 0; i < 24_000; i++) {
            short s = (short) (0.5 * 32767 * Math.sin(2 * Math.PI * 440 * i / 24_000));
            pcm[2 * i] = (byte) s;
            pcm[2 * i + 1] = (byte) (s >> 8);
        }
        try (OutputStream out = exchange.getResponseBody()) {
            int at = 0;
            for (; at + 4801 <= pcm.length; at += 4801) {
                out.write(pcm, at, 4801); // odd sizes: a sample split across pieces
                out.flush();
            }
            out.write(pcm, at, pcm.length - at);
        }
    }

    private OpenAiEngine engine() {
        return new OpenAiEngine(
                HttpClient.newHttpClient(),
                JSON,
                "http://127.0.0.1:" + server.getAddress().getPort() + "/v1",
                "sk-test",
                "gpt-4o-mini-tts",
                Duration.ofSeconds(10));
    }

    @Test
    void streamsRawPcmAndSendsTheOpenAiRequest() throws Exception {
        Audio audio = new Audio();
        engine().synthesize("Hello there.", "coral", 1.25, audio, Audio.NEVER);
        assertEquals(24_000, audio.rate);
        assertEquals(24_000, audio.samples);
        assertEquals(20 * Math.log10(0.5 / Math.sqrt(2)), audio.dbfs(), 0.1);
        assertTrue(audio.chunks.size() > 1, "read as it streamed");

        JsonNode body = request.get();
        assertEquals("gpt-4o-mini-tts", body.path("model").asText());
        assertEquals("Hello there.", body.path("input").asText());
        assertEquals("coral", body.path("voice").asText());
        assertEquals(1.25, body.path("speed").asDouble());
        assertEquals("pcm", body.path("response_format").asText());
        assertEquals("Bearer sk-test", authorization.get());
    }

    @Test
    void aRefusalBecomesASafeError() {
        status = 400;
        JobException e = assertThrows(
                JobException.class, () -> engine().synthesize("Hi.", "nobody", 1.0, new Audio(), Audio.NEVER));
        assertEquals(JobException.INVALID_REQUEST, e.code());
        assertTrue(!e.getMessage().contains("sk-test"));
    }
}
