package dev.agentvoicebox.stt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentvoicebox.platform.JobException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The remote engine against a local server that answers with OpenAI's recorded responses. */
class OpenAiEngineTest {
    private HttpServer server;
    private final AtomicReference<byte[]> body = new AtomicReference<>();
    private final AtomicReference<String> contentType = new AtomicReference<>();
    private final AtomicReference<String> authorization = new AtomicReference<>();
    private volatile int status = 200;
    private volatile String response = "transcription.json";
    private volatile String responseType = "application/json";
    /** Stream the answer an event at a time and stop after this many, hanging on; 0: send it all. */
    private volatile int stallAfterEvents;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/audio/transcriptions", this::answer);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        body.set(exchange.getRequestBody().readAllBytes());
        contentType.set(exchange.getRequestHeaders().getFirst("Content-Type"));
        authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
        byte[] out;
        try (var in = getClass().getResourceAsStream("/openai/" + response)) {
            out = in.readAllBytes();
        }
        exchange.getResponseHeaders().add("Content-Type", responseType);
        if (stallAfterEvents > 0) {
            exchange.sendResponseHeaders(status, 0);
            String[] events = new String(out, StandardCharsets.UTF_8).split("(?<=\n\n)");
            for (int i = 0; i < stallAfterEvents; i++) {
                exchange.getResponseBody().write(events[i].getBytes(StandardCharsets.UTF_8));
                exchange.getResponseBody().flush();
            }
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        exchange.sendResponseHeaders(status, out.length);
        exchange.getResponseBody().write(out);
        exchange.close();
    }

    private OpenAiEngine engine() {
        return engine("gpt-4o-mini-transcribe", Duration.ofSeconds(10));
    }

    private OpenAiEngine engine(String model, Duration timeout) {
        return new OpenAiEngine(
                HttpClient.newHttpClient(),
                new ObjectMapper(),
                "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/",
                "sk-test",
                model,
                "auto",
                timeout);
    }

    private String form() {
        return new String(body.get(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aStreamedTranscriptComesPieceByPiece() throws Exception {
        response = "transcription_stream.sse";
        responseType = "text/event-stream";
        List<String> pieces = new ArrayList<>();
        String text = engine().transcribe(new byte[3200], "en", "", pieces::add, Speech.NEVER);
        assertTrue(form().contains("name=\"stream\"\r\n\r\ntrue\r\n"), form());
        assertEquals(List.of("Hello", " world.", " What is the weather today?"), pieces);
        assertEquals("Hello world. What is the weather today?", text);
    }

    @Test
    void onlyModelsThatStreamAreAskedTo() throws Exception {
        assertTrue(engine("gpt-4o-transcribe", Duration.ofSeconds(10)).streams());
        OpenAiEngine whisper = engine("whisper-1", Duration.ofSeconds(10));
        assertFalse(whisper.streams());
        whisper.transcribe(new byte[320], "", "", piece -> {}, Speech.NEVER);
        assertFalse(form().contains("name=\"stream\""), form());
    }

    @Test
    void aStalledStreamTimesOutAndAnUnfinishedOneIsAnError() {
        response = "transcription_stream.sse";
        responseType = "text/event-stream";
        stallAfterEvents = 1;
        List<String> pieces = new ArrayList<>();
        JobException stalled = assertThrows(
                JobException.class,
                () -> engine("gpt-4o-transcribe", Duration.ofMillis(500))
                        .transcribe(new byte[320], "", "", pieces::add, Speech.NEVER));
        assertEquals(JobException.TIMEOUT, stalled.code());
        assertEquals(List.of("Hello"), pieces, "what came before the stall was passed on");

        stallAfterEvents = 0;
        response = "transcription_cut.sse";
        JobException cut = assertThrows(
                JobException.class, () -> engine().transcribe(new byte[320], "", "", piece -> {}, Speech.NEVER));
        assertEquals(JobException.UPSTREAM_ERROR, cut.code());
    }

    @Test
    void uploadsAWavFormAndReadsTheText() throws Exception {
        byte[] pcm = new byte[3200];
        List<String> pieces = new ArrayList<>();
        String text = engine().transcribe(pcm, "en", "weather talk", pieces::add, Speech.NEVER);
        assertEquals("Hello world. What is the weather today?", text);
        assertEquals(List.of(text), pieces, "a whole-file transcription comes as one piece");

        assertEquals("Bearer sk-test", authorization.get());
        assertTrue(contentType.get().startsWith("multipart/form-data; boundary="), contentType.get());
        String form = new String(body.get(), StandardCharsets.ISO_8859_1);
        String boundary = contentType.get().substring(contentType.get().indexOf('=') + 1);
        assertTrue(form.contains("name=\"model\"\r\n\r\ngpt-4o-mini-transcribe\r\n"), form);
        assertTrue(form.contains("name=\"language\"\r\n\r\nen\r\n"));
        assertTrue(form.contains("name=\"prompt\"\r\n\r\nweather talk\r\n"));
        assertTrue(form.contains("name=\"response_format\"\r\n\r\njson\r\n"));
        assertTrue(form.contains("name=\"file\"; filename=\"audio.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF"));
        int riff = form.indexOf("RIFF");
        assertEquals(44 + pcm.length, form.indexOf("\r\n--" + boundary + "--") - riff, "WAV header + the audio");
        assertTrue(form.endsWith("--" + boundary + "--\r\n"));
    }

    @Test
    void anUpstreamRefusalBecomesASafeError() {
        status = 401;
        response = "error_401.json";
        JobException e = assertThrows(
                JobException.class, () -> engine().transcribe(new byte[320], "", "", piece -> {}, Speech.NEVER));
        assertEquals(JobException.UPSTREAM_ERROR, e.code());
        assertTrue(!e.getMessage().contains("sk-test"), "the key never reaches the client: " + e.getMessage());
    }

    @Test
    void anUnreachableServiceIsUnavailable() {
        server.stop(0);
        JobException e = assertThrows(
                JobException.class, () -> engine().transcribe(new byte[320], "", "", piece -> {}, Speech.NEVER));
        assertEquals(JobException.UNAVAILABLE, e.code());
    }
}
