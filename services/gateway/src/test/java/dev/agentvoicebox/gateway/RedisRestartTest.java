package dev.agentvoicebox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.JobConsumer;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.platform.Telemetry;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.testing.Poll;
import dev.agentvoicebox.platform.testing.RedisServer;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import dev.agentvoicebox.protocol.Streams;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The gateway's Redis restarts while a session is live, with its data or empty (a failover to a
 * fresh node): within 10 s of Redis coming back every part works again by itself. Workers are
 * played by a real {@link JobConsumer} that answers each llm job with one text delta.
 */
class RedisRestartTest {
    private static final Duration RECOVERY = Duration.ofSeconds(10);
    /** Answered in text, so the test's llm worker alone completes it (sessions speak by default). */
    private static final String TEXT_RESPONSE =
            "{\"type\":\"response.create\",\"response\":{\"output_modalities\":[\"text\"]}}";
    /** How long a first session may wait for the stack (OPA's first bundle) on a busy machine. */
    private static final Duration STACK_READY = Duration.ofSeconds(30);

    private final SecureStack stack = SecureStack.shared();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aRestartWithItsDataKeepsTheLiveSessionAndItsResponsesGoOn() throws Exception {
        try (RedisServer own = RedisServer.start();
                Telemetry telemetry = Telemetry.start("gateway-test");
                Gateway gateway = new Gateway(settings(own, "gw-restart-kept"), telemetry).start();
                Worker worker = new Worker(own);
                RealtimeClient live =
                        RealtimeClient.openOnceAdmitted(gateway.port(), stack.devKey, STACK_READY, "a session")) {
            live.send(RealtimeGatewayTestMessages.userText("Hello"));
            live.await("conversation.item.done");
            assertEquals(
                    "completed", respond(live).path("response").path("status").asText());

            own.restart(true);
            long back = System.nanoTime();

            ObjectNode done = respondOnceAvailable(live, back);
            report("a response on the live session", back);
            assertEquals("completed", done.path("response").path("status").asText());
            try (RealtimeClient next = RealtimeClient.openOnceAdmitted(
                    gateway.port(), stack.devKey, RECOVERY, "a new session after the restart")) {
                report("a new session", back);
            }
            assertTrue(live.silentFor(Duration.ofMillis(300)), "the live session is not ended");
        }
    }

    @Test
    void anEmptyRestartEndsTheSessionItLostAndNewSessionsWork() throws Exception {
        try (RedisServer own = RedisServer.start();
                Telemetry telemetry = Telemetry.start("gateway-test");
                Gateway gateway = new Gateway(settings(own, "gw-restart-empty"), telemetry).start();
                Worker worker = new Worker(own);
                RealtimeClient live =
                        RealtimeClient.openOnceAdmitted(gateway.port(), stack.devKey, STACK_READY, "a session")) {
            assertEquals(200, health(gateway, "/observe/health/ready").statusCode());

            own.stop(false);
            HttpResponse<String> down = health(gateway, "/observe/health/ready");
            assertEquals(503, down.statusCode(), down.body());
            assertTrue(down.body().contains("\"error\""), "says why: " + down.body());

            own.startAgain();
            long back = System.nanoTime();

            ObjectNode error = live.await("error");
            assertEquals("session_state_lost", error.path("error").path("code").asText(), error.toString());
            assertEquals("server_error", error.path("error").path("type").asText());
            assertEquals(1012, live.awaitClose(), "service restart: open a new session");
            report("the lost session's end", back);
            assertTrue(Duration.ofNanos(System.nanoTime() - back).compareTo(RECOVERY) < 0);

            Poll.until(RECOVERY, () -> health(gateway, "/observe/health").statusCode() == 200, "health UP");
            report("health UP", back);
            try (RealtimeClient next = RealtimeClient.openOnceAdmitted(
                    gateway.port(), stack.devKey, RECOVERY, "a new session after the restart")) {
                report("a new session", back);
                next.send(RealtimeGatewayTestMessages.userText("Hello again"));
                next.await("conversation.item.done");
                // The job stream, its group and the gateway's result stream are all new.
                ObjectNode done = respond(next);
                report("a response through new job and result streams", back);
                assertEquals("completed", done.path("response").path("status").asText());
            }
        }
    }

    private GatewaySettings settings(RedisServer own, String instanceId) {
        return stack.gateway(
                own.url(), instanceId, Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(30), 1000);
    }

    private static ObjectNode respond(RealtimeClient client) {
        client.send(TEXT_RESPONSE);
        return client.await("response.done");
    }

    /** The first response.done once the limits can be checked again, which must be within 10 s. */
    private static ObjectNode respondOnceAvailable(RealtimeClient client, long sinceNanos) throws InterruptedException {
        while (System.nanoTime() - sinceNanos < RECOVERY.toNanos()) {
            client.send(TEXT_RESPONSE);
            while (true) {
                ObjectNode event = client.next();
                String type = event.path("type").asText();
                if ("response.done".equals(type)) {
                    return event;
                }
                if ("error".equals(type)) {
                    assertEquals(
                            "rate_limits_unavailable",
                            event.path("error").path("code").asText(),
                            event.toString());
                    break;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no response within " + RECOVERY + " of Redis coming back");
    }

    private HttpResponse<String> health(Gateway gateway, String path) {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void report(String what, long sinceNanos) {
        System.out.printf(
                "%s %d ms after Redis came back%n",
                what, Duration.ofNanos(System.nanoTime() - sinceNanos).toMillis());
    }

    /** An llm worker on the test's Redis: every job gets "Hi" and a stop. */
    private static final class Worker implements AutoCloseable {
        private final RedisConnections redis;
        private final JobConsumer consumer;

        Worker(RedisServer server) {
            redis = new RedisConnections(server.url());
            StreamPublisher publisher = new StreamPublisher(redis.shared());
            consumer = new JobConsumer(
                    redis,
                    Streams.LLM_JOBS,
                    Streams.LLM_GROUP,
                    "llm-test",
                    job -> {
                        Envelope envelope = job.envelope();
                        publisher.publish(
                                envelope.replyTo(),
                                envelope.reply(
                                        Kinds.LLM_TEXT_DELTA,
                                        1,
                                        Json.write(Json.object().put("delta", "Hi"))));
                        var done = Json.object().put("finish_reason", "stop").put("model", "test");
                        done.putObject("usage").put("input_tokens", 1).put("output_tokens", 1);
                        publisher.publish(envelope.replyTo(), envelope.reply(Kinds.LLM_DONE, 2, Json.write(done)));
                    },
                    null,
                    JobConsumer.Options.defaults());
            consumer.start();
        }

        @Override
        public void close() {
            consumer.close();
            redis.close();
        }
    }
}
