package dev.agentvoicebox.llm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible endpoint on loopback that replays recorded responses byte for byte: each SSE
 * event of a fixture is written and flushed on its own, as the real API streams them.
 */
final class FakeProvider implements AutoCloseable {
    /** What the server answers to one request. */
    interface Behaviour {
        void respond(HttpExchange exchange, FakeProvider provider) throws Exception;
    }

    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    final List<String> bodies = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile Behaviour behaviour;

    FakeProvider(Behaviour behaviour) {
        this.behaviour = behaviour;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/chat/completions", exchange -> {
            requests.incrementAndGet();
            try (InputStream in = exchange.getRequestBody()) {
                bodies.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            try {
                this.behaviour.respond(exchange, this);
            } catch (Exception e) {
                // the behaviour ended (interrupted sleep and the like)
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    void behave(Behaviour next) {
        this.behaviour = next;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    int requests() {
        return requests.get();
    }

    static String resource(String name) {
        try (InputStream in = FakeProvider.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replays an .sse fixture event by event, {@code delayMs} apart. */
    static Behaviour replay(String fixture, long delayMs) {
        String text = resource(fixture);
        return (exchange, provider) -> {
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            int start = 0;
            while (start < text.length()) {
                int end = text.indexOf("\n\n", start);
                end = end < 0 ? text.length() : end + 2;
                out.write(text.substring(start, end).getBytes(StandardCharsets.UTF_8));
                out.flush();
                start = end;
                sleep(delayMs);
            }
        };
    }

    /** An HTTP error with a JSON body from a fixture. */
    static Behaviour error(int status, String fixture) {
        byte[] body = resource(fixture).getBytes(StandardCharsets.UTF_8);
        return (exchange, provider) -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        };
    }

    /** Accepts the request and never answers (until the client gives up). */
    static Behaviour silent(long forMs) {
        return (exchange, provider) -> sleep(forMs);
    }

    private static void sleep(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
