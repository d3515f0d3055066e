package dev.agentvoicebox.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentvoicebox.platform.testing.Poll;
import dev.agentvoicebox.platform.testing.RedisServer;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code /observe/health} and its readiness say DOWN, with why, while Redis is away, and UP once it is back. */
class HealthTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void downWithAReasonWhileRedisIsAwayAndUpOnceItIsBack() {
        try (RedisServer redis = RedisServer.start();
                RedisConnections connections = new RedisConnections(redis.url())) {
            WebServer server = WebServer.builder()
                    .host("127.0.0.1")
                    .port(0)
                    .shutdownHook(false)
                    .addFeature(Health.observe(connections))
                    .build()
                    .start();
            try {
                assertEquals(200, get(server, "/observe/health/ready").statusCode());

                redis.stop(false);
                for (String path : new String[] {"/observe/health/ready", "/observe/health"}) {
                    HttpResponse<String> down = get(server, path);
                    assertEquals(503, down.statusCode(), path);
                    assertTrue(down.body().contains("\"DOWN\""), down.body());
                    assertTrue(down.body().contains("\"error\""), "says why: " + down.body());
                }

                redis.startAgain();
                long back = System.nanoTime();
                Poll.until(
                        Duration.ofSeconds(10),
                        () -> get(server, "/observe/health").statusCode() == 200,
                        "health UP again");
                System.out.printf(
                        "health UP %d ms after Redis came back%n",
                        Duration.ofNanos(System.nanoTime() - back).toMillis());
                assertEquals(200, get(server, "/observe/health/ready").statusCode());
            } finally {
                server.stop();
            }
        }
    }

    private HttpResponse<String> get(WebServer server, String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
