package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.testing.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** A real WebSocket client (the JDK's) that collects server events for assertions. */
final class RealtimeClient implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    private final BlockingQueue<ObjectNode> events = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final WebSocket socket;

    private RealtimeClient(WebSocket.Builder builder, URI uri) {
        this.socket = builder.buildAsync(uri, new Collector()).join();
    }

    static RealtimeClient connect(int port, String key) {
        return connect(port, "", Map.of("Authorization", "Bearer " + key), List.of());
    }

    static RealtimeClient connect(int port, String query, Map<String, String> headers, List<String> subprotocols) {
        WebSocket.Builder builder =
                HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(WAIT);
        headers.forEach(builder::header);
        if (!subprotocols.isEmpty()) {
            builder.subprotocols(
                    subprotocols.get(0),
                    subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
        }
        return new RealtimeClient(builder, URI.create("ws://127.0.0.1:" + port + "/v1/realtime" + query));
    }

    /** A session on {@code port} once a handshake is admitted (again), within {@code within}. */
    static RealtimeClient openOnceAdmitted(int port, String key, Duration within, String what) {
        AtomicReference<RealtimeClient> opened = new AtomicReference<>();
        Poll.until(
                within,
                () -> {
                    try {
                        opened.set(connect(port, key));
                        return true;
                    } catch (CompletionException refused) {
                        return false;
                    }
                },
                what);
        opened.get().await("conversation.created");
        return opened.get();
    }

    String subprotocol() {
        return socket.getSubprotocol();
    }

    void send(String json) {
        socket.sendText(json, true).join();
    }

    void send(ObjectNode event) {
        send(Json.write(event));
    }

    /** The next event, whatever it is. */
    ObjectNode next() {
        try {
            ObjectNode event = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (event == null) {
                throw new AssertionError("no server event within " + WAIT);
            }
            return event;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Events up to and including the first of {@code type}. */
    List<ObjectNode> until(String type) {
        List<ObjectNode> seen = new ArrayList<>();
        while (true) {
            ObjectNode event = next();
            seen.add(event);
            if (type.equals(event.path("type").asText())) {
                return seen;
            }
        }
    }

    ObjectNode await(String type) {
        List<ObjectNode> seen = until(type);
        return seen.get(seen.size() - 1);
    }

    /** True when no event arrives for {@code quiet}. */
    boolean silentFor(Duration quiet) throws InterruptedException {
        return events.poll(quiet.toMillis(), TimeUnit.MILLISECONDS) == null;
    }

    int awaitClose() {
        return awaitCloseWithin(WAIT);
    }

    /** The close code, for closes that come later than {@link #WAIT} (a periodic check). */
    int awaitCloseWithin(Duration timeout) {
        return closed.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
        socket.abort();
    }

    private final class Collector implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    events.add((ObjectNode) Json.parse(partial.toString()));
                } catch (Exception e) {
                    throw new AssertionError("server sent invalid JSON: " + partial, e);
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error);
        }
    }
}
