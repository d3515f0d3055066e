package dev.agentvoicebox.tenants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentvoicebox.platform.auth.InvalidKeyException;
import dev.agentvoicebox.platform.auth.KeyClaims;
import dev.agentvoicebox.platform.auth.KeyVerifier;
import dev.agentvoicebox.platform.auth.Revocations;
import dev.agentvoicebox.platform.edge.EdgeAuthz;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.testing.RedisServer;
import dev.agentvoicebox.platform.testing.Teardown;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The REST API against a real redis-server, in mesh mode (identity from x-avb-* headers, as Envoy injects them). */
class TenantsRestTest {
    static RedisServer redis;
    static Tenants tenants;
    static Path work;

    static final Map<String, String> PLATFORM = Map.of("x-avb-role", "platform_admin", "x-avb-key-id", "pak_test");

    static Map<String, String> as(String tenant, String role, String project) {
        Map<String, String> h = new HashMap<>(Map.of(
                "x-avb-tenant", tenant, "x-avb-role", role, "x-avb-key-id", "key_caller", "x-avb-key-kind", "api_key"));
        if (project != null) {
            h.put("x-avb-project", project);
        }
        return h;
    }

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        work = TestStack.tempDir("rest");
        tenants = TestStack.start(redis.url(), work, EdgeAuthz.mesh(), Clock.systemUTC());
        Bootstrap.run(tenants);
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(tenants, redis);
    }

    static TestStack.Response call(String method, String path, String body, Map<String, String> headers) {
        return TestStack.call(tenants.port(), method, path, body, headers);
    }

    @Test
    void createGetPatchTenant() {
        var created = call("POST", "/v1/tenants", """
                {"id": "acme", "name": "Acme Corp", "tier": "pro", "allowed_voices": ["marin", "alloy"],
                 "blocked_tools": ["delete_account"], "allowed_output_modalities": ["text"],
                 "allowed_hours_utc": {"start": 8, "end": 20}, "limit_overrides": {"concurrent_sessions": 3}}""", PLATFORM);
        assertEquals(201, created.status(), created.body());
        assertEquals("tenant", created.json().get("object").asText());
        assertEquals("active", created.json().get("status").asText());
        assertEquals(
                3, created.json().at("/limit_overrides/concurrent_sessions").asInt());

        assertEquals(
                409,
                call("POST", "/v1/tenants", "{\"id\":\"acme\",\"name\":\"x\",\"tier\":\"pro\"}", PLATFORM)
                        .status());

        var got = call("GET", "/v1/tenants/acme", null, as("acme", "readonly", null));
        assertEquals(200, got.status());
        assertEquals("Acme Corp", got.json().get("name").asText());

        var renamed = call(
                "PATCH",
                "/v1/tenants/acme",
                "{\"name\": \"Acme\", \"allowed_voices\": [\"marin\"]}",
                as("acme", "admin", null));
        assertEquals(200, renamed.status(), renamed.body());
        assertEquals("Acme", renamed.json().get("name").asText());

        var lifted = call(
                "PATCH",
                "/v1/tenants/acme",
                "{\"limit_overrides\": {\"concurrent_sessions\": 1000}}",
                as("acme", "admin", null));
        assertEquals(403, lifted.status());
        assertEquals("platform_admin_only", lifted.json().at("/error/code").asText());

        var suspended = call("PATCH", "/v1/tenants/acme", "{\"status\": \"suspended\"}", PLATFORM);
        assertEquals("suspended", suspended.json().get("status").asText());
        call("PATCH", "/v1/tenants/acme", "{\"status\": \"active\"}", PLATFORM);

        assertEquals(404, call("GET", "/v1/tenants/nope", null, PLATFORM).status());
    }

    @Test
    void validationErrorsAreJsonWithParam() {
        var badId = call("POST", "/v1/tenants", "{\"id\": \"Bad Id!\", \"name\": \"x\", \"tier\": \"pro\"}", PLATFORM);
        assertEquals(400, badId.status());
        assertEquals("invalid_value", badId.json().at("/error/code").asText());
        assertEquals("id", badId.json().at("/error/param").asText());
        assertEquals("invalid_request_error", badId.json().at("/error/type").asText());

        var tier = call("POST", "/v1/tenants", "{\"id\": \"t1\", \"name\": \"x\", \"tier\": \"gold\"}", PLATFORM);
        assertEquals("tier", tier.json().at("/error/param").asText());

        var missing = call("POST", "/v1/tenants", "{\"id\": \"t1\", \"tier\": \"pro\"}", PLATFORM);
        assertEquals(
                "missing_required_parameter", missing.json().at("/error/code").asText());
        assertEquals("name", missing.json().at("/error/param").asText());

        var unknown = call(
                "POST", "/v1/tenants", "{\"id\": \"t1\", \"name\": \"x\", \"tier\": \"pro\", \"colour\": 1}", PLATFORM);
        assertEquals("unknown_parameter", unknown.json().at("/error/code").asText());

        var hours = call(
                "POST",
                "/v1/tenants",
                "{\"id\": \"t1\", \"name\": \"x\", \"tier\": \"pro\", \"allowed_hours_utc\": {\"start\": 25, \"end\": 3}}",
                PLATFORM);
        assertEquals("allowed_hours_utc.start", hours.json().at("/error/param").asText());

        var modality = call(
                "POST",
                "/v1/tenants",
                "{\"id\": \"t1\", \"name\": \"x\", \"tier\": \"pro\", \"allowed_output_modalities\": [\"video\"]}",
                PLATFORM);
        assertEquals(
                "allowed_output_modalities[0]",
                modality.json().at("/error/param").asText());

        var limit = call(
                "POST",
                "/v1/tenants",
                "{\"id\": \"t1\", \"name\": \"x\", \"tier\": \"pro\", \"limit_overrides\": {\"bananas\": 1}}",
                PLATFORM);
        assertEquals("unknown_parameter", limit.json().at("/error/code").asText());

        var json = call("POST", "/v1/tenants", "[1,2", PLATFORM);
        assertEquals("invalid_json", json.json().at("/error/code").asText());
        // One reader would take the first "tier", another the last: such a body is refused, not merged.
        var duplicate = call(
                "POST",
                "/v1/tenants",
                "{\"id\": \"t1\", \"name\": \"x\", \"tier\": \"free\", \"tier\": \"enterprise\"}",
                PLATFORM);
        assertEquals(400, duplicate.status());
        assertEquals("invalid_json", duplicate.json().at("/error/code").asText());
        var trailing = call("POST", "/v1/tenants", "{\"id\": \"t1\", \"name\": \"x\"} {}", PLATFORM);
        assertEquals("invalid_json", trailing.json().at("/error/code").asText());

        var page = call("GET", "/v1/tenants?limit=0", null, PLATFORM);
        assertEquals("limit", page.json().at("/error/param").asText());
        assertEquals(404, call("GET", "/v1/tenants/t1", null, PLATFORM).status(), "nothing half-created");
    }

    @Test
    void missingIdentityIsRefusedInMeshMode() {
        var r = call("GET", "/v1/tenants", null, Map.of());
        assertEquals(401, r.status());
        assertEquals("missing_identity", r.json().at("/error/code").asText());
    }

    @Test
    void paginationInTheOpenAiListStyle() {
        for (int i = 0; i < 7; i++) {
            assertEquals(
                    201,
                    call(
                                    "POST",
                                    "/v1/tenants",
                                    "{\"id\": \"page-" + i + "\", \"name\": \"p\", \"tier\": \"free\"}",
                                    PLATFORM)
                            .status());
        }
        List<String> seen = new ArrayList<>();
        String after = "page-"; // ids sort after this prefix and before "page-:"
        boolean more = true;
        int pages = 0;
        while (more) {
            var r = call("GET", "/v1/tenants?limit=3&after=" + after, null, PLATFORM);
            assertEquals("list", r.json().get("object").asText());
            for (JsonNode t : r.json().get("data")) {
                if (t.get("id").asText().startsWith("page-")) {
                    seen.add(t.get("id").asText());
                }
            }
            more = r.json().get("has_more").asBoolean() && seen.size() < 7;
            after = r.json().get("last_id").asText();
            pages++;
        }
        assertEquals(List.of("page-0", "page-1", "page-2", "page-3", "page-4", "page-5", "page-6"), seen);
        assertEquals(3, pages);
        var first = call("GET", "/v1/tenants?limit=3&after=page-", null, PLATFORM);
        assertEquals("page-0", first.json().get("first_id").asText());
        assertEquals("page-2", first.json().get("last_id").asText());
        assertTrue(first.json().get("has_more").asBoolean());
    }

    @Test
    void keysAreShownOnceVerifyAndRevoke() throws Exception {
        call("POST", "/v1/tenants", "{\"id\": \"keyco\", \"name\": \"Key Co\", \"tier\": \"free\"}", PLATFORM);
        var created = call(
                "POST",
                "/v1/tenants/keyco/keys",
                "{\"name\": \"app\", \"role\": \"user\", \"expires_in_days\": 7}",
                as("keyco", "admin", null));
        assertEquals(201, created.status(), created.body());
        String token = created.json().get("value").asText();
        String id = created.json().get("id").asText();

        KeyVerifier verifier = KeyVerifier.fromJwks(
                call("GET", "/.well-known/jwks.json", null, Map.of()).body(),
                Revocations.redis(tenants.redis().shared()));
        KeyClaims claims = verifier.verify(token);
        assertEquals("keyco", claims.tenant());
        assertEquals("user", claims.role());
        assertEquals("free", claims.tier());
        assertEquals(id, claims.jti());
        assertTrue(claims.scopes().contains("realtime"));

        var listed = call("GET", "/v1/tenants/keyco/keys", null, as("keyco", "readonly", null));
        assertEquals(1, listed.json().get("data").size());
        assertFalse(listed.json().get("data").get(0).has("value"), "the token is never shown again");
        String stored = tenants.redis().shared().sync().get("avb:tenant:{keyco}:key:" + id);
        assertFalse(stored.contains(token.substring(token.lastIndexOf('.'))), "only id and claims are stored");

        var revoked = call("DELETE", "/v1/tenants/keyco/keys/" + id, null, as("keyco", "admin", null));
        assertEquals(200, revoked.status());
        assertTrue(revoked.json().get("deleted").asBoolean());
        assertNotNull(revoked.json().get("revoked_at"));
        InvalidKeyException e = assertThrows(InvalidKeyException.class, () -> verifier.verify(token));
        assertEquals("revoked", e.code());

        var badRole = call("POST", "/v1/tenants/keyco/keys", "{\"role\": \"root\"}", as("keyco", "admin", null));
        assertEquals("role", badRole.json().at("/error/param").asText());
        var badProject = call(
                "POST",
                "/v1/tenants/keyco/keys",
                "{\"role\": \"user\", \"project\": \"nope\"}",
                as("keyco", "admin", null));
        assertEquals(404, badProject.status());
        var tooLong = call(
                "POST",
                "/v1/tenants/keyco/keys",
                "{\"role\": \"user\", \"expires_in_days\": 9999}",
                as("keyco", "admin", null));
        assertEquals("expires_in_days", tooLong.json().at("/error/param").asText());
    }

    @Test
    void projectScopedKeysSeeTheirProjectOnly() {
        call("POST", "/v1/tenants", "{\"id\": \"proj\", \"name\": \"P\", \"tier\": \"pro\"}", PLATFORM);
        assertEquals(
                201,
                call(
                                "POST",
                                "/v1/tenants/proj/projects",
                                "{\"id\": \"web\", \"name\": \"Web\"}",
                                as("proj", "admin", null))
                        .status());
        call("POST", "/v1/tenants/proj/keys", "{\"role\": \"user\", \"project\": \"web\"}", as("proj", "admin", null));
        call("POST", "/v1/tenants/proj/keys", "{\"role\": \"user\"}", as("proj", "admin", null));
        var scoped = call("GET", "/v1/tenants/proj/keys", null, as("proj", "admin", "web"));
        assertEquals(1, scoped.json().get("data").size());
        assertEquals("web", scoped.json().get("data").get(0).get("project").asText());
        var other = call("POST", "/v1/tenants/proj/keys", "{\"role\": \"user\"}", as("proj", "admin", "web"));
        assertEquals(403, other.status());
        var projects = call("GET", "/v1/tenants/proj/projects", null, as("proj", "user", "web"));
        assertEquals(1, projects.json().get("data").size());
        assertEquals(
                2,
                call("GET", "/v1/tenants/proj/projects", null, as("proj", "user", null))
                        .json()
                        .get("data")
                        .size());
    }

    @Test
    void aProjectScopedListPagesOverOtherProjectsKeysWithoutAnEmptyLastPage() {
        call("POST", "/v1/tenants", "{\"id\": \"pager\", \"name\": \"P\", \"tier\": \"pro\"}", PLATFORM);
        call("POST", "/v1/tenants/pager/projects", "{\"id\": \"web\", \"name\": \"Web\"}", as("pager", "admin", null));
        List<String> webKeys = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            webKeys.add(call(
                            "POST",
                            "/v1/tenants/pager/keys",
                            "{\"role\": \"user\", \"project\": \"web\"}",
                            as("pager", "admin", null))
                    .json()
                    .get("id")
                    .asText());
        }
        for (int i = 0; i < 8; i++) {
            call("POST", "/v1/tenants/pager/keys", "{\"role\": \"user\"}", as("pager", "admin", null));
        }
        List<String> seen = new ArrayList<>();
        String query = "";
        boolean more = true;
        while (more) {
            var page = call("GET", "/v1/tenants/pager/keys?limit=1" + query, null, as("pager", "admin", "web"));
            assertEquals(1, page.json().get("data").size(), "no empty page: " + page.json());
            seen.add(page.json().get("data").get(0).get("id").asText());
            more = page.json().get("has_more").asBoolean();
            query = "&after=" + page.json().get("last_id").asText();
            assertTrue(seen.size() <= 2, "paged past the project's two keys: " + seen);
        }
        assertEquals(webKeys.stream().sorted().toList(), seen);
    }

    @Test
    void clientSecretsAreSignedByTheSameKeys() throws Exception {
        call("POST", "/v1/tenants", "{\"id\": \"eks\", \"name\": \"E\", \"tier\": \"pro\"}", PLATFORM);
        var r = call(
                "POST",
                "/v1/tenants/eks/client_secrets",
                "{\"expires_after\": {\"anchor\": \"created_at\", \"seconds\": 60}, \"session\": {\"instructions\": \"be brief\"}}",
                as("eks", "user", null));
        assertEquals(200, r.status(), r.body());
        String value = r.json().get("value").asText();
        assertTrue(value.startsWith("ek_"));
        KeyVerifier verifier =
                KeyVerifier.fromJwks(tenants.signingKeys().jwks().toString(), Revocations.of(java.util.Set.of()));
        KeyClaims claims = verifier.verify(value);
        assertTrue(claims.clientSecret());
        assertEquals("key_caller", claims.parent());
        assertEquals("be brief", claims.session().get("instructions"));
        assertTrue(claims.expiresAt().getEpochSecond() - System.currentTimeMillis() / 1000 <= 60);
        InvalidKeyException parentRevoked = assertThrows(
                InvalidKeyException.class,
                () -> KeyVerifier.fromJwks(
                                tenants.signingKeys().jwks().toString(), Revocations.of(java.util.Set.of("key_caller")))
                        .verify(value));
        assertEquals("revoked", parentRevoked.code());
        var ttl = call(
                "POST",
                "/v1/tenants/eks/client_secrets",
                "{\"expires_after\": {\"seconds\": 5}}",
                as("eks", "user", null));
        assertEquals("expires_after.seconds", ttl.json().at("/error/param").asText());
    }

    @Test
    void jwksKeepsTheRetiredKeyAfterRotation() throws Exception {
        var before = call("GET", "/.well-known/jwks.json", null, Map.of()).json();
        String oldToken = tenants.directory()
                .createKey(
                        "dev",
                        Json.MAPPER.readValue(
                                "{\"role\":\"user\"}", com.fasterxml.jackson.databind.node.ObjectNode.class),
                        new dev.agentvoicebox.platform.edge.EdgeIdentity("dev", "", "admin", "", "key_x", "api_key"))
                .get("value")
                .asText();
        String kid = tenants.signingKeys().rotate();
        var after = call("GET", "/.well-known/jwks.json", null, Map.of()).json();
        assertEquals(before.get("keys").size() + 1, after.get("keys").size());
        for (JsonNode k : after.get("keys")) {
            assertEquals("EC", k.get("kty").asText());
            assertFalse(k.has("d"), "no private part in the JWKS");
        }
        KeyVerifier verifier = KeyVerifier.fromJwks(after.toString(), Revocations.none());
        assertEquals("dev", verifier.verify(oldToken).tenant(), "keys signed before the rotation still verify");
        assertEquals(kid, tenants.signingKeys().activeKid());
        try (var files = Files.list(work.resolve("signing-keys"))) {
            for (Path f : files.toList()) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
            }
        }
        // A restart loads the same keys rather than minting new ones.
        SigningKeys reloaded = new SigningKeys(
                        work.resolve("signing-keys"),
                        java.time.Duration.ofDays(30),
                        java.time.Duration.ofDays(365),
                        Clock.systemUTC())
                .open();
        assertEquals(kid, reloaded.activeKid());
        assertEquals(after.get("keys").size(), reloaded.jwks().getKeys().size());
    }

    @Test
    void bootstrapWritesKeyFilesOnceWithMode600() throws Exception {
        Path admin = work.resolve("admin-api-key");
        Path dev = work.resolve("dev-api-key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(admin)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dev)));
        KeyVerifier verifier = KeyVerifier.fromJwks(tenants.signingKeys().jwks().toString(), Revocations.none());
        assertTrue(verifier.verify(Files.readString(admin)).platformAdmin());
        KeyClaims devClaims = verifier.verify(Files.readString(dev));
        assertEquals("dev", devClaims.tenant());
        assertEquals("user", devClaims.role());
        String before = Files.readString(dev);
        Bootstrap.run(tenants);
        assertEquals(before, Files.readString(dev), "an existing key file is left alone");
    }

    @Test
    void bundleHoldsDirectoryAndAnswers304ForItsEtag() throws Exception {
        call(
                "POST",
                "/v1/tenants",
                "{\"id\": \"bundled\", \"name\": \"B\", \"tier\": \"free\", \"blocked_tools\": [\"rm\"]}",
                PLATFORM);
        var first = call("GET", "/bundles/tenants.tar.gz", null, Map.of());
        assertEquals(200, first.status());
        String etag = first.raw().headers().firstValue("etag").orElseThrow();
        Map<String, String> files = untar(first.raw().body());
        JsonNode manifest = Json.parse(files.get("/.manifest"));
        assertEquals("avb/directory", manifest.at("/roots/0").asText());
        assertEquals("\"" + manifest.get("revision").asText() + "\"", etag);
        JsonNode data = Json.parse(files.get("/data.json")).at("/avb/directory");
        assertEquals("rm", data.at("/tenants/bundled/blocked_tools/0").asText());
        assertEquals("free", data.at("/tenants/bundled/tier").asText());
        assertTrue(data.at("/tiers/pro/limits/concurrent_sessions").isNumber());
        assertTrue(data.at("/jwks/keys").size() >= 1);
        assertTrue(data.has("revoked"));

        var again = call("GET", "/bundles/tenants.tar.gz", null, Map.of("If-None-Match", etag));
        assertEquals(304, again.status());
        assertEquals(0, again.raw().body().length);

        call("PATCH", "/v1/tenants/bundled", "{\"status\": \"suspended\"}", PLATFORM);
        var changed = call("GET", "/bundles/tenants.tar.gz", null, Map.of("If-None-Match", etag));
        assertEquals(200, changed.status());
        assertNotEquals(etag, changed.raw().headers().firstValue("etag").orElseThrow());
        assertEquals(
                "suspended",
                Json.parse(untar(changed.raw().body()).get("/data.json"))
                        .at("/avb/directory/tenants/bundled/status")
                        .asText());
    }

    /**
     * OPA's long polling over HTTP, on an instance of its own (every long poll answered expects OPA
     * back, which would hold the other tests' writes): both 200 and 304 carry OPA's bundle type, or
     * OPA would stop long polling, and a write answers a held poll at once.
     */
    @Test
    void theBundleIsLongPolledTheWayOpaAsks() throws Exception {
        try (Tenants own =
                TestStack.start(redis.url(), TestStack.tempDir("long-poll"), EdgeAuthz.mesh(), Clock.systemUTC())) {
            var first = TestStack.call(own.port(), "GET", "/bundles/tenants.tar.gz", null, Map.of("Prefer", "wait=30"));
            assertEquals(200, first.status());
            assertEquals(
                    BundleFeed.LONG_POLL_TYPE,
                    first.raw().headers().firstValue("content-type").orElse(""));
            String etag = first.raw().headers().firstValue("etag").orElseThrow();

            long start = System.nanoTime();
            var quiet = TestStack.call(
                    own.port(),
                    "GET",
                    "/bundles/tenants.tar.gz",
                    null,
                    Map.of("Prefer", "wait=1", "If-None-Match", etag));
            assertTrue(System.nanoTime() - start >= 1_000_000_000L, "held for the wait OPA asked for");
            assertEquals(304, quiet.status());
            assertEquals(
                    BundleFeed.LONG_POLL_TYPE,
                    quiet.raw().headers().firstValue("content-type").orElse(""));
            assertEquals(etag, quiet.raw().headers().firstValue("etag").orElseThrow());

            var held = java.util.concurrent.CompletableFuture.supplyAsync(() -> TestStack.call(
                    own.port(),
                    "GET",
                    "/bundles/tenants.tar.gz",
                    null,
                    Map.of("Prefer", "wait=30", "If-None-Match", etag)));
            dev.agentvoicebox.platform.testing.Poll.until(
                    java.time.Duration.ofSeconds(5), () -> own.feed().held() == 1, "the poll held");
            long changed = System.nanoTime();
            assertEquals(
                    201,
                    TestStack.call(
                                    own.port(),
                                    "POST",
                                    "/v1/tenants",
                                    "{\"id\": \"polled\", \"name\": \"P\", \"tier\": \"free\"}",
                                    PLATFORM)
                            .status());
            var answer = held.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(200, answer.status());
            assertTrue(System.nanoTime() - changed < 3_000_000_000L);
            assertEquals(
                    "free",
                    Json.parse(untar(answer.raw().body()).get("/data.json"))
                            .at("/avb/directory/tenants/polled/tier")
                            .asText());
        }
    }

    /** Reads the archive with the JDK's own tools: a ustar reader written here would prove nothing. */
    static Map<String, String> untar(byte[] gz) throws IOException {
        byte[] tar = new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes();
        Map<String, String> files = new HashMap<>();
        int off = 0;
        while (off + 512 <= tar.length && tar[off] != 0) {
            String name = new String(tar, off, 100, StandardCharsets.US_ASCII).replace("\0", "");
            int size = Integer.parseInt(new String(tar, off + 124, 11, StandardCharsets.US_ASCII).trim(), 8);
            files.put(name, new String(tar, off + 512, size, StandardCharsets.UTF_8));
            off += 512 + ((size + 511) / 512) * 512;
        }
        return files;
    }
}
