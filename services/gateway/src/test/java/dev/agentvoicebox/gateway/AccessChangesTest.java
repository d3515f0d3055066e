package dev.agentvoicebox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentvoicebox.platform.auth.Revocations;
import dev.agentvoicebox.platform.http.Json;
import io.lettuce.core.KillArgs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the tenants API confirms takes effect at once, on every gateway: a revoked key's or a
 * suspended tenant's live sessions close within 2 s (the gateways keep the product's 30 s recheck,
 * so only the announcement can be that quick), and a tenant or key just created is usable by the
 * very next request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessChangesTest {
    private static final Duration IMMEDIATE = Duration.ofSeconds(2);

    private GatewayHarness harness;
    private SecureStack stack;
    private Gateway first;
    private Gateway second;
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() {
        harness = new GatewayHarness();
        stack = harness.stack;
        first = harness.start("gw-changes-1", Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(30));
        second = harness.start("gw-changes-2", Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() {
        first.close();
        second.close();
        harness.close();
    }

    private static RealtimeClient open(Gateway gateway, String key) {
        RealtimeClient client = RealtimeClient.connect(gateway.port(), key);
        client.await("conversation.created");
        return client;
    }

    /** The close code, failing unless the socket closed within {@link #IMMEDIATE} of {@code sinceNanos}. */
    private static int closedWithin2s(RealtimeClient client, long sinceNanos) {
        int code = client.awaitClose();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
        assertTrue(ms <= IMMEDIATE.toMillis(), "the session closed " + ms + " ms after the change");
        return code;
    }

    @Test
    void revokingAKeyClosesItsSessionsOnEveryGatewayWithin2s() throws Exception {
        stack.tenantWithKey("bachmanity", "pro", "", "user");
        JsonNode key = stack.newKey("bachmanity", "user");
        String value = key.path("value").asText();
        try (RealtimeClient one = open(first, value);
                RealtimeClient two = open(second, value)) {
            long revoked = System.nanoTime();
            stack.admin(
                    "DELETE", "/v1/tenants/bachmanity/keys/" + key.path("id").asText(), null);
            assertEquals(
                    "api_key_revoked",
                    one.await("error").path("error").path("code").asText());
            assertEquals(4001, closedWithin2s(one, revoked));
            assertEquals(
                    "api_key_revoked",
                    two.await("error").path("error").path("code").asText());
            assertEquals(4001, closedWithin2s(two, revoked));
        }
        assertEquals(401, SecurityTest.refusedStatus(() -> RealtimeClient.connect(first.port(), value)));
    }

    @Test
    void revokingTheParentKeyClosesAClientSecretsSessionWithin2s() throws Exception {
        stack.tenantWithKey("pied-piper", "pro", "", "user");
        JsonNode parent = stack.newKey("pied-piper", "user");
        HttpResponse<String> minted = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port() + "/v1/realtime/client_secrets"))
                        .header(
                                "Authorization",
                                "Bearer " + parent.path("value").asText())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, minted.statusCode(), minted.body());
        String secret = Json.parse(minted.body()).path("value").asText();
        try (RealtimeClient client = open(second, secret)) {
            long revoked = System.nanoTime();
            stack.admin(
                    "DELETE", "/v1/tenants/pied-piper/keys/" + parent.path("id").asText(), null);
            assertEquals(
                    "api_key_revoked",
                    client.await("error").path("error").path("code").asText());
            assertEquals(4001, closedWithin2s(client, revoked));
        }
    }

    @Test
    void suspendingATenantClosesItsSessionsOnEveryGatewayWithin2s() throws Exception {
        String key = stack.tenantWithKey("aviato", "pro", "", "user");
        String bystander = stack.tenantWithKey("raviga", "pro", "", "user");
        try (RealtimeClient one = open(first, key);
                RealtimeClient two = open(second, key);
                RealtimeClient other = open(first, bystander)) {
            long suspended = System.nanoTime();
            stack.admin("PATCH", "/v1/tenants/aviato", "{\"status\":\"suspended\"}");
            assertEquals(
                    "tenant_not_allowed",
                    one.await("error").path("error").path("code").asText());
            assertEquals(4003, closedWithin2s(one, suspended));
            assertEquals(
                    "tenant_not_allowed",
                    two.await("error").path("error").path("code").asText());
            assertEquals(4003, closedWithin2s(two, suspended));
            other.send("{\"type\":\"input_audio_buffer.clear\"}");
            other.await("input_audio_buffer.cleared");
        }
        assertEquals(403, SecurityTest.refusedStatus(() -> RealtimeClient.connect(first.port(), key)));
    }

    /**
     * Announcements made while a gateway's subscription is down are lost, so a gateway that subscribes
     * again rechecks every live session at once, long before its 30 s recheck.
     */
    @Test
    void aGatewayThatSubscribesAgainRechecksItsSessionsAtOnce() throws Exception {
        stack.tenantWithKey("endframe", "pro", "", "user");
        JsonNode key = stack.newKey("endframe", "user");
        try (RealtimeClient client = open(first, key.path("value").asText())) {
            // A revocation whose announcement nobody heard, then the subscriptions drop.
            harness.redis
                    .shared()
                    .sync()
                    .hset(Revocations.REDIS_KEY, key.path("id").asText(), "4102444800");
            long dropped = System.nanoTime();
            harness.redis.shared().sync().clientKill(KillArgs.Builder.typePubsub());
            assertEquals(4001, client.awaitCloseWithin(Duration.ofSeconds(10)));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dropped);
            assertTrue(ms < 5000, "closed " + ms + " ms after the subscription dropped");
        }
    }

    /**
     * What a provisioning script does: create a tenant, give it an admin key, use that key at once
     * on the tenants API and on a gateway. Several rounds, so a race with the bundle shows.
     */
    @Test
    void aNewTenantsKeysWorkOnTheVeryNextRequest() throws Exception {
        for (int round = 0; round < 5; round++) {
            String tenant = "startup-" + round;
            stack.admin("POST", "/v1/tenants", "{\"id\":\"" + tenant + "\",\"name\":\"S\",\"tier\":\"pro\"}");
            String admin = stack.key(tenant, "admin");
            HttpResponse<String> userKey =
                    stack.call("POST", "/v1/tenants/" + tenant + "/keys", "{\"role\":\"user\"}", admin);
            assertEquals(201, userKey.statusCode(), "round " + round + ": " + userKey.body());
            String user = Json.parse(userKey.body()).path("value").asText();
            open(round % 2 == 0 ? first : second, user).close();
        }
    }
}
