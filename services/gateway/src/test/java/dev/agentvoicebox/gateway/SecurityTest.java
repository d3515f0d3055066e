package dev.agentvoicebox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.auth.Revocations;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.testing.Teardown;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Tenants, keys, the edge policy and the in-session policy end to end: real OPA with the
 * repository's policies, the real tenants service, signed keys, Redis rate limits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityTest {
    private GatewayHarness harness;
    private SecureStack stack;
    private Gateway gateway;
    private WorkerReplay llm;
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() {
        harness = new GatewayHarness();
        stack = harness.stack;
        gateway = harness.start("gw-secure", Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(1));
        llm = new WorkerReplay(harness.redis, gateway);
    }

    @AfterAll
    void stop() throws Exception {
        Teardown.closeAll(llm, gateway, harness);
    }

    private RealtimeClient open(String key) {
        RealtimeClient client = RealtimeClient.connect(gateway.port(), key);
        client.await("conversation.created");
        return client;
    }

    static int refusedStatus(Runnable connect) {
        return refusal(connect).statusCode();
    }

    /** The HTTP answer to a handshake that must be refused. */
    private static HttpResponse<?> refusal(Runnable connect) {
        CompletionException refused = assertThrows(CompletionException.class, connect::run);
        return assertInstanceOf(WebSocketHandshakeException.class, refused.getCause())
                .getResponse();
    }

    private HttpResponse<String> get(String path, String key, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .header("Authorization", "Bearer " + key);
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String sessionId(RealtimeClient client) {
        client.send("{\"type\":\"session.update\",\"session\":{}}");
        return client.await("session.updated").path("session").path("id").asText();
    }

    @Test
    void tenantsSeeOnlyTheirOwnSessionsAndSpoofedIdentityHeadersAreIgnored() throws Exception {
        String acme = stack.tenantWithKey("acme", "pro", "", "user");
        String globex = stack.tenantWithKey("globex", "pro", "", "user");
        try (RealtimeClient client = RealtimeClient.connect(
                gateway.port(),
                "",
                Map.of("Authorization", "Bearer " + acme, "x-avb-tenant", "globex", "x-avb-role", "platform_admin"),
                List.of())) {
            client.await("conversation.created");
            String id = sessionId(client);
            assertEquals(
                    "acme",
                    harness.redis.shared().sync().hget("avb:sess:{" + id + "}", "tenant_id"),
                    "the session belongs to the key's tenant, whatever headers the client sent");
            assertTrue(Json.parse(get("/v1/realtime/sessions", acme, Map.of()).body())
                    .path("data")
                    .findValuesAsText("id")
                    .contains(id));
            assertFalse(Json.parse(get("/v1/realtime/sessions", globex, Map.of("x-avb-tenant", "acme"))
                            .body())
                    .path("data")
                    .findValuesAsText("id")
                    .contains(id));
            assertEquals(
                    404,
                    get("/v1/realtime/sessions/" + id, globex, Map.of()).statusCode(),
                    "another tenant's session is not found, not forbidden: ids do not leak");
        }
    }

    @Test
    void readonlyKeysMayReadButNotOpenSessions() throws Exception {
        String readonly = stack.tenantWithKey("initech", "pro", "", "readonly");
        CompletionException refused =
                assertThrows(CompletionException.class, () -> RealtimeClient.connect(gateway.port(), readonly));
        HttpResponse<?> handshake = assertInstanceOf(WebSocketHandshakeException.class, refused.getCause())
                .getResponse();
        assertEquals(403, handshake.statusCode());
        assertTrue(handshake.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        assertEquals(200, get("/v1/realtime/sessions", readonly, Map.of()).statusCode());
        assertEquals(401, refusedStatus(() -> RealtimeClient.connect(gateway.port(), "sk-not-a-key")));
    }

    @Test
    void revokingAKeyRefusesItAndEndsItsLiveSessions() throws Exception {
        stack.tenantWithKey("umbrella", "pro", "", "user");
        JsonNode key = stack.newKey("umbrella", "user");
        String value = key.path("value").asText();
        try (RealtimeClient client = open(value)) {
            stack.admin("DELETE", "/v1/tenants/umbrella/keys/" + key.path("id").asText(), null);
            ObjectNode error = client.await("error");
            assertEquals("api_key_revoked", error.path("error").path("code").asText());
            assertEquals(4001, client.awaitClose());
        }
        assertFalse(stack.allowed("GET", "/v1/realtime", value), "refused by the very next edge check");
        assertEquals(401, refusedStatus(() -> RealtimeClient.connect(gateway.port(), value)));
    }

    /** The net under the announcements: a revocation nobody announced still ends the session at a recheck. */
    @Test
    void anUnannouncedRevocationEndsTheSessionAtTheNextRecheck() throws Exception {
        stack.tenantWithKey("soylent", "pro", "", "user");
        JsonNode key = stack.newKey("soylent", "user");
        try (RealtimeClient client = open(key.path("value").asText())) {
            harness.redis
                    .shared()
                    .sync()
                    .hset(Revocations.REDIS_KEY, key.path("id").asText(), "4102444800");
            // Heartbeats come every 10 s; with a 1 s recheck interval the next one checks.
            assertEquals(4001, client.awaitCloseWithin(Duration.ofSeconds(25)));
        }
    }

    @Test
    void suspendingATenantRefusesItAndEndsItsLiveSessions() throws Exception {
        String key = stack.tenantWithKey("cyberdyne", "pro", "", "user");
        try (RealtimeClient client = open(key)) {
            stack.admin("PATCH", "/v1/tenants/cyberdyne", "{\"status\":\"suspended\"}");
            ObjectNode error = client.await("error");
            assertEquals("tenant_not_allowed", error.path("error").path("code").asText());
            assertEquals(4003, client.awaitClose());
        }
        assertEquals(403, refusedStatus(() -> RealtimeClient.connect(gateway.port(), key)));
    }

    @Test
    void blockedToolsAndVoicesOutsideTheTierAreRefusedByName() throws Exception {
        String key = stack.tenantWithKey("hooli", "free", "\"blocked_tools\":[\"wire_money\"]", "user");
        try (RealtimeClient client = open(key)) {
            client.send(
                    "{\"type\":\"session.update\",\"event_id\":\"tool\",\"session\":{\"tools\":["
                            + "{\"type\":\"function\",\"name\":\"get_weather\"},{\"type\":\"function\",\"name\":\"wire_money\"}]}}");
            ObjectNode blocked = client.await("error");
            assertEquals(
                    "session.tools[1].name", blocked.path("error").path("param").asText());
            assertEquals("tool", blocked.path("error").path("event_id").asText());
            client.send("{\"type\":\"session.update\",\"session\":{\"audio\":{\"output\":{\"voice\":\"marin\"}}}}");
            assertEquals(
                    "session.audio.output.voice",
                    client.await("error").path("error").path("param").asText(),
                    "the free tier has alloy and ash only");
            client.send(
                    "{\"type\":\"response.create\",\"response\":{\"tools\":[{\"type\":\"function\",\"name\":\"wire_money\"}]}}");
            assertEquals(
                    "response.tools[0].name",
                    client.await("error").path("error").path("param").asText());
            client.send("{\"type\":\"session.update\",\"session\":{\"audio\":{\"output\":{\"voice\":\"ash\"}}}}");
            assertEquals(
                    "ash",
                    client.await("session.updated")
                            .path("session")
                            .path("audio")
                            .path("output")
                            .path("voice")
                            .asText());
        }
    }

    @Test
    void responsesOverTheLimitAreRefusedWithRetryAfterAndNothingStarts() throws Exception {
        String key = stack.tenantWithKey("wonka", "pro", "\"limit_overrides\":{\"responses_per_minute\":2}", "user");
        try (RealtimeClient client = open(key)) {
            for (int i = 0; i < 2; i++) {
                client.send("{\"type\":\"response.create\",\"response\":{\"conversation\":\"none\",\"input\":[],"
                        + "\"output_modalities\":[\"text\"]}}");
                client.await("response.created");
                ObjectNode limits = client.await("rate_limits.updated");
                JsonNode requests = limits.path("rate_limits").path(0);
                assertEquals("requests", requests.path("name").asText());
                assertEquals(2, requests.path("limit").asInt());
                assertEquals(1 - i, requests.path("remaining").asInt(), "the real remaining budget");
                var job = llm.nextJob();
                llm.text(job, "ok");
                llm.done(job, "stop", 1, 1);
                client.await("response.done");
            }
            client.send("{\"type\":\"response.create\",\"event_id\":\"third\"}");
            ObjectNode refused = client.await("error");
            assertEquals(
                    "rate_limit_exceeded", refused.path("error").path("code").asText());
            assertEquals("third", refused.path("error").path("event_id").asText());
            assertTrue(refused.path("error").path("retry_after_seconds").asLong() >= 1);
            assertTrue(refused.path("error").path("message").asText().contains("responses_per_minute"));
            assertTrue(client.silentFor(Duration.ofMillis(300)), "no response.created for a refused response");
        }
    }

    @Test
    void theConcurrentSessionLimitRefusesTheHandshakeWith429() throws Exception {
        String key = stack.tenantWithKey("tyrell", "free", "", "user");
        try (RealtimeClient first = open(key);
                RealtimeClient second = open(key)) {
            assertEquals(
                    429,
                    refusedStatus(() -> RealtimeClient.connect(gateway.port(), key)),
                    "the free tier holds two sessions");
            first.close();
            RealtimeClient.openOnceAdmitted(
                            gateway.port(), key, Duration.ofSeconds(5), "a closed session frees its slot")
                    .close();
        }
    }

    @Test
    void aFullInstanceRefusesTheHandshakeWith503UntilASessionEnds() throws Exception {
        try (Gateway small = harness.start(
                        "gw-small", Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(30), 1);
                RealtimeClient only = RealtimeClient.connect(small.port(), stack.devKey)) {
            only.await("conversation.created");
            HttpResponse<?> answer = refusal(() -> RealtimeClient.connect(small.port(), stack.devKey));
            assertEquals(503, answer.statusCode());
            assertEquals("5", answer.headers().firstValue("Retry-After").orElse(""));
            assertTrue(String.valueOf(answer.body()).contains("server_overloaded"), String.valueOf(answer.body()));

            only.close();
            RealtimeClient.openOnceAdmitted(
                            small.port(),
                            stack.devKey,
                            Duration.ofSeconds(5),
                            "a closed session frees the instance's slot")
                    .close();
        }
    }

    @Test
    void aClientSecretIsSignedByTenantsAndDiesWithItsParentKey() throws Exception {
        stack.tenantWithKey("stark", "pro", "", "user");
        JsonNode parent = stack.newKey("stark", "user");
        String parentKey = parent.path("value").asText();
        HttpResponse<String> minted = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/realtime/client_secrets"))
                        .header("Authorization", "Bearer " + parentKey)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"session\":{\"instructions\":\"Jarvis mode.\"}}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, minted.statusCode(), minted.body());
        String secret = Json.parse(minted.body()).path("value").asText();
        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), secret)) {
            assertEquals(
                    "Jarvis mode.",
                    client.next().path("session").path("instructions").asText());
            stack.admin("DELETE", "/v1/tenants/stark/keys/" + parent.path("id").asText(), null);
            assertEquals(
                    "api_key_revoked",
                    client.await("error").path("error").path("code").asText());
            assertEquals(4001, client.awaitClose());
        }
    }
}
