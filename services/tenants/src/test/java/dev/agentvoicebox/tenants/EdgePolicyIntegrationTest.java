package dev.agentvoicebox.tenants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.edge.EdgeAuthz;
import dev.agentvoicebox.platform.edge.EdgeDecision;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.policy.SessionDecision;
import dev.agentvoicebox.platform.policy.SessionPolicy;
import dev.agentvoicebox.platform.testing.OpaServer;
import dev.agentvoicebox.platform.testing.Poll;
import dev.agentvoicebox.platform.testing.RedisServer;
import dev.agentvoicebox.platform.testing.Teardown;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/**
 * The real OPA Envoy binary with the real policies, its data bundle long polled from a running tenants
 * service in {@code self} mode (no test waits for a poll: the API answers once OPA has a change): Java CheckRequests over gRPC, the tenants REST API behind the same
 * check, and the session policy client against OPA's REST API.
 */
class EdgePolicyIntegrationTest {
    static RedisServer redis;
    static Tenants tenants;
    static OpaServer opa;
    static EdgeAuthz edge;
    static String adminKey;
    static String devKey;

    @BeforeAll
    static void start() throws Exception {
        OpaServer.requireInstalled();
        Path work = TestStack.tempDir("opa");
        redis = RedisServer.start();
        int grpc = OpaServer.freePort();
        edge = EdgeAuthz.self("127.0.0.1", grpc, Duration.ofSeconds(2));
        tenants = TestStack.start(redis.url(), work, edge, Clock.systemUTC());
        Bootstrap.run(tenants);
        adminKey = Files.readString(work.resolve("admin-api-key"));
        devKey = Files.readString(work.resolve("dev-api-key"));
        opa = OpaServer.start(work, tenants.port(), grpc);
        // The first checks (a cold gRPC channel, OPA's first evaluation) may outlast their 2 s deadline
        // on a busy machine: warm up before any test counts on an answer.
        Poll.until(
                Duration.ofSeconds(30),
                () -> edge.check("GET", "/v1/realtime", bearer(devKey)).allowed(),
                "the edge policy answering");
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(opa, tenants, redis);
    }

    static TestStack.Response call(String method, String path, String body, String key, Map<String, String> extra) {
        Map<String, String> h = new HashMap<>(extra);
        if (key != null) {
            h.put("Authorization", "Bearer " + key);
        }
        return TestStack.call(tenants.port(), method, path, body, h);
    }

    static Map<String, List<String>> bearer(String key) {
        return Map.of("authorization", List.of("Bearer " + key), "host", List.of("127.0.0.1:8443"));
    }

    static String createKey(String tenant, String role, String project) {
        String body = project == null
                ? "{\"role\": \"" + role + "\"}"
                : "{\"role\": \"" + role + "\", \"project\": \"" + project + "\"}";
        var r = call("POST", "/v1/tenants/" + tenant + "/keys", body, adminKey, Map.of());
        assertEquals(201, r.status(), r.body());
        return r.json().get("value").asText();
    }

    static void createTenant(String id, String tier) {
        var r = call(
                "POST",
                "/v1/tenants",
                "{\"id\": \"" + id + "\", \"name\": \"" + id + "\", \"tier\": \"" + tier + "\"}",
                adminKey,
                Map.of());
        assertEquals(201, r.status(), r.body());
        // No waiting for a bundle poll: the tenants API answered once OPA had the tenant.
        String key = createKey(id, "user", null);
        EdgeDecision d = edge.check("GET", "/v1/realtime", bearer(key));
        assertTrue(d.allowed(), "tenant " + id + " reached OPA: " + d.body());
    }

    @Test
    void devKeyOpensRealtimeWithIdentityInjectedAndSpoofingStripped() throws Exception {
        Map<String, List<String>> headers = new HashMap<>(bearer(devKey));
        headers.put("X-AVB-Tenant", List.of("someone-else"));
        headers.put("x-avb-role", List.of("platform_admin"));
        EdgeDecision d = edge.check("GET", "/v1/realtime?model=gpt-realtime&golden=upgrade", headers);
        assertTrue(d.allowed(), d.body());
        assertEquals("dev", d.identity().tenant());
        assertEquals("user", d.identity().role());
        assertEquals("enterprise", d.identity().tier());
        assertEquals("api_key", d.identity().kind());
        assertTrue(
                d.removedHeaders().containsAll(List.of("x-avb-tenant", "x-avb-role")),
                d.removedHeaders().toString());
        Golden.check("realtime-upgrade", opa, "golden=upgrade");
        assertFalse(
                opa.logText().contains(devKey.substring(devKey.lastIndexOf('.') + 1)),
                "the decision log masks the key");
        assertTrue(opa.logText().contains("\"erased\""), "OPA reports what it masked");
    }

    @Test
    void denialsCarryStatusAndJsonBody() throws Exception {
        EdgeDecision none = edge.check("GET", "/v1/realtime", Map.of());
        assertEquals(401, none.status());
        assertEquals(
                "missing_api_key", Json.parse(none.body()).at("/error/code").asText());
        assertEquals("Bearer", none.responseHeaders().get("www-authenticate"));
        EdgeDecision garbage = edge.check("GET", "/v1/realtime?golden=garbage", bearer("sk-avb-dev-0123"));
        assertEquals(401, garbage.status());
        assertEquals(
                "invalid_api_key", Json.parse(garbage.body()).at("/error/code").asText());
        Golden.check("garbage-key", opa, "golden=garbage");
    }

    @Test
    void opaLongPollsTheBundle() {
        Poll.until(Duration.ofSeconds(10), () -> tenants.feed().held() == 1, "OPA holding a long poll");
    }

    @Test
    void tenantsApiBehindTheEdgeCheck() throws Exception {
        createTenant("acme", "pro");
        createTenant("globex", "free");
        String acmeAdmin = createKey("acme", "admin", null);
        String acmeReadonly = createKey("acme", "readonly", null);
        assertEquals(
                200,
                call("GET", "/v1/tenants/acme/keys", null, acmeAdmin, Map.of()).status());

        // cross-tenant reads refused, own reads served
        var cross = call("GET", "/v1/tenants/globex/keys", null, acmeAdmin, Map.of());
        assertEquals(403, cross.status());
        assertEquals("cross_tenant", cross.json().at("/error/code").asText());
        assertEquals(
                200,
                call("GET", "/v1/tenants/acme/keys", null, acmeReadonly, Map.of())
                        .status());

        // spoofed identity headers are ignored: the policy's answer is what the service sees
        var spoofed = call(
                "GET",
                "/v1/tenants",
                null,
                acmeAdmin,
                Map.of("x-avb-role", "platform_admin", "x-avb-tenant", "globex"));
        assertEquals(403, spoofed.status());
        assertEquals("insufficient_role", spoofed.json().at("/error/code").asText());
        var patch = call(
                "PATCH",
                "/v1/tenants/acme",
                "{\"status\": \"suspended\"}",
                acmeAdmin,
                Map.of("x-avb-role", "platform_admin"));
        assertEquals(403, patch.status(), "a tenant admin cannot suspend itself by claiming platform_admin");

        // readonly cannot open a realtime session
        EdgeDecision ro = edge.check("GET", "/v1/realtime", bearer(acmeReadonly));
        assertEquals(403, ro.status());
        assertEquals(
                "insufficient_role", Json.parse(ro.body()).at("/error/code").asText());

        // no key at all
        assertEquals(401, call("GET", "/v1/tenants/acme", null, null, Map.of()).status());
        // the open routes stay open
        assertEquals(
                200, call("GET", "/.well-known/jwks.json", null, null, Map.of()).status());
    }

    @Test
    void revokedKeyIsRefusedOnceTheBundleCarriesIt() throws Exception {
        createTenant("revco", "pro");
        var created = call("POST", "/v1/tenants/revco/keys", "{\"role\": \"user\"}", adminKey, Map.of());
        String key = created.json().get("value").asText();
        assertTrue(edge.check("GET", "/v1/realtime", bearer(key)).allowed());
        assertEquals(
                200,
                call(
                                "DELETE",
                                "/v1/tenants/revco/keys/"
                                        + created.json().get("id").asText(),
                                null,
                                adminKey,
                                Map.of())
                        .status());
        EdgeDecision d = edge.check("GET", "/v1/realtime?golden=revoked", bearer(key));
        assertEquals(401, d.status());
        assertEquals("revoked_api_key", Json.parse(d.body()).at("/error/code").asText());
    }

    @Test
    void suspendedTenantIsRefusedAndTheSessionCacheDropsEarly() throws Exception {
        createTenant("susp", "pro");
        String key = createKey("susp", "user", null);
        MutableClock clock = MutableClock.of(Instant.now(), ZoneOffset.UTC);
        SessionPolicy policy = new SessionPolicy(
                URI.create("http://127.0.0.1:" + opa.restPort),
                HttpClient.newHttpClient(),
                Duration.ofSeconds(60),
                Duration.ofSeconds(5),
                clock);
        SessionDecision first = policy.decide("susp", "");
        assertTrue(first.allowed());
        assertEquals("pro", first.tier());
        assertTrue(first.voiceAllowed("marin"));
        assertEquals(20, first.limit("concurrent_sessions"));
        assertTrue(first.revision().contains("tenants="), first.revision());
        policy.decide("susp", "");
        assertEquals(1, policy.fetches(), "the second decision came from the cache");

        ObjectNode patch = Json.object();
        patch.put("status", "suspended");
        assertEquals(
                200,
                call("PATCH", "/v1/tenants/susp", patch.toString(), adminKey, Map.of())
                        .status());
        EdgeDecision refused = edge.check("GET", "/v1/realtime", bearer(key));
        assertEquals(403, refused.status());
        assertEquals(
                "tenant_suspended", Json.parse(refused.body()).at("/error/code").asText());

        // Within the revision-check interval the cached (stale) decision is still served...
        clock.add(Duration.ofSeconds(2));
        assertTrue(policy.decide("susp", "").allowed());
        // ...and once the revision is checked it is dropped, long before the 60 s TTL.
        clock.add(Duration.ofSeconds(5));
        SessionDecision after = policy.decide("susp", "");
        assertFalse(after.allowed());
        assertEquals("tenant_suspended", after.reason());
        assertNotEquals(first.revision(), after.revision());
        assertEquals(2, policy.fetches());
    }

    @Test
    void sessionDecisionAppliesTenantRestrictions() throws Exception {
        createTenant("narrow", "pro");
        assertEquals(
                200,
                call("PATCH", "/v1/tenants/narrow", """
                {"allowed_voices": ["marin"], "blocked_tools": ["delete_account"], "limit_overrides": {"responses_per_minute": 5}}""", adminKey, Map.of()).status());
        SessionPolicy policy = new SessionPolicy(
                URI.create("http://127.0.0.1:" + opa.restPort),
                HttpClient.newHttpClient(),
                Duration.ofSeconds(60),
                Duration.ofSeconds(5),
                Clock.systemUTC());
        SessionDecision d = policy.decide("narrow", "");
        assertEquals(List.of("marin"), d.voices());
        assertFalse(d.voiceAllowed("alloy"));
        assertFalse(d.toolAllowed("delete_account"));
        assertTrue(d.toolAllowed("get_weather"));
        assertEquals(5, d.limit("responses_per_minute"));
        assertEquals(200000, d.limit("tokens_per_minute"));
        assertFalse(policy.decide("nobody", "").allowed());
    }

    /** Golden inputs: what the plugin hands the policy, from its decision log, checked in as test data. */
    static final class Golden {
        static void check(String name, OpaServer opa, String marker) throws IOException, InterruptedException {
            JsonNode entry = null;
            for (int i = 0; i < 50 && entry == null; i++) {
                for (String line : opa.logText().split("\n")) {
                    if (line.contains("\"decision_id\"") && line.contains(marker)) {
                        entry = Json.parse(line);
                    }
                }
                if (entry == null) {
                    Thread.sleep(100);
                }
            }
            assertTrue(entry != null, "no decision log entry for " + marker + " in " + opa.log);
            ObjectNode input = (ObjectNode) entry.get("input").deepCopy();
            ObjectNode http = (ObjectNode) input.at("/attributes/request/http");
            http.remove("id");
            ObjectNode headers = (ObjectNode) http.get("headers");
            if (headers.has("authorization")) {
                headers.put("authorization", "Bearer <redacted>");
            }
            ObjectNode golden = Json.object();
            golden.set("input", input);
            golden.put("allowed", entry.at("/result/allowed").asBoolean());
            Path file = TestStack.REPO.resolve("services/tenants/src/test/resources/golden/" + name + ".json");
            String actual = Json.MAPPER
                            .writerWithDefaultPrettyPrinter()
                            .writeValueAsString(Json.MAPPER.treeToValue(golden, Object.class))
                    + "\n";
            if (Boolean.getBoolean("avb.golden.update")) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, actual);
            }
            assertTrue(Files.exists(file), file + " missing: run with -Davb.golden.update=true");
            assertEquals(
                    Json.parse(Files.readString(file)),
                    Json.parse(actual),
                    "the plugin's input for " + name
                            + " changed shape (re-capture with -Davb.golden.update=true after review)");
        }
    }
}
