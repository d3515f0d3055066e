package dev.agentvoicebox.gateway.bench;

import static dev.agentvoicebox.gateway.bench.BenchSupport.JSON;
import static dev.agentvoicebox.gateway.bench.BenchSupport.env;
import static dev.agentvoicebox.gateway.bench.BenchSupport.requireLoopback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One Realtime session of a benchmark: the socket listener queues events stamped on arrival; the
 * driver thread waits on them. Every wait and send is capped by the benchmark's one deadline.
 */
class BenchSocket implements WebSocket.Listener, AutoCloseable {
    record Event(long nanos, String type, JsonNode json) {}

    /** The stack's Realtime endpoint and the dev tenant's key. */
    record Gateway(URI uri, String apiKey) {
        /** From AVB_GATEWAY_URL (https://127.0.0.1:8443) and AVB_API_KEY_FILE (.avb/dev-api-key). */
        static Gateway fromEnv(String who) throws IOException {
            String base = env("AVB_GATEWAY_URL", "https://127.0.0.1:8443").replaceAll("/+$", "");
            URI uri = URI.create(base.replaceFirst("^http", "ws") + "/v1/realtime?model=gpt-realtime");
            requireLoopback(who, uri.getHost());
            String apiKey = Files.readString(Path.of(env("AVB_API_KEY_FILE", ".avb/dev-api-key")))
                    .trim();
            return new Gateway(uri, apiKey);
        }
    }

    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final long deadlineNanos;
    private volatile String closedBecause;
    volatile WebSocket socket;
    String id = "(connecting)";

    BenchSocket(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** Opens the socket and waits for session.created and conversation.created; returns the first. */
    Event connect(HttpClient http, Gateway gateway) throws Exception {
        socket = http.newWebSocketBuilder()
                .header("Authorization", "Bearer " + gateway.apiKey())
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(gateway.uri(), this)
                .get(remainingNanos(), TimeUnit.NANOSECONDS);
        Event created = await("session.created");
        id = created.json().path("session").path("id").asText("?");
        await("conversation.created");
        return created;
    }

    long remainingNanos() {
        return Math.max(0, deadlineNanos - System.nanoTime());
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            long now = System.nanoTime();
            String text = partial.toString();
            partial.setLength(0);
            try {
                JsonNode json = JSON.readTree(text);
                events.add(new Event(now, json.path("type").asText(), json));
            } catch (IOException e) {
                events.add(new Event(
                        now, "bench.unreadable", JSON.createObjectNode().put("text", text)));
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closedBecause = "closed by the gateway: " + statusCode + " " + reason;
        events.add(new Event(System.nanoTime(), "bench.closed", JSON.createObjectNode()));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closedBecause = "socket error: " + error;
        events.add(new Event(System.nanoTime(), "bench.closed", JSON.createObjectNode()));
    }

    void send(ObjectNode event) throws Exception {
        socket.sendText(JSON.writeValueAsString(event), true).get(remainingNanos(), TimeUnit.NANOSECONDS);
    }

    Event await(String type) throws Exception {
        return await(e -> e.type().equals(type), type);
    }

    /** The next event matching; an error event, a closed socket or the deadline fail the wait. */
    Event await(Predicate<Event> match, String what) throws Exception {
        while (true) {
            Event event = events.poll(remainingNanos(), TimeUnit.NANOSECONDS);
            if (event == null) {
                throw new IllegalStateException("deadline hit waiting for " + what);
            }
            if (match.test(event)) {
                return event;
            }
            switch (event.type()) {
                case "error" ->
                    throw new IllegalStateException("error event waiting for " + what + ": "
                            + event.json().path("error"));
                case "bench.closed" -> throw new IllegalStateException(closedBecause + " waiting for " + what);
                // Only spoken sessions transcribe; a failed transcript means their turn has no answer coming.
                case "conversation.item.input_audio_transcription.failed" ->
                    throw new IllegalStateException("transcription failed waiting for " + what + ": "
                            + event.json().path("error"));
                default -> {
                    // another event on the way: transcript deltas, rate_limits.updated, ...
                }
            }
        }
    }

    @Override
    public void close() {
        WebSocket ws = socket;
        if (ws != null && !ws.isOutputClosed()) {
            try {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "bench done").get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                ws.abort();
            }
        }
    }
}
