package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentvoicebox.platform.edge.EdgeAuthz;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.testing.OpaServer;
import dev.agentvoicebox.platform.testing.Poll;
import dev.agentvoicebox.platform.testing.RedisServer;
import dev.agentvoicebox.tenants.Bootstrap;
import dev.agentvoicebox.tenants.Tenants;
import dev.agentvoicebox.tenants.TenantsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a gateway answers to, for real: a redis-server, the tenants service (signing keys, the OPA
 * data bundle) and the OPA Envoy binary with the repository's policies. One per test JVM, started on
 * first use; it holds the dev tenant (enterprise tier) with its user key, and the platform admin key.
 */
final class SecureStack {
    private static SecureStack shared;

    final RedisServer redis;
    final Tenants tenants;
    final OpaServer opa;
    final String adminKey;
    final String devKey;
    private final int grpcPort;
    private final EdgeAuthz edge;
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private SecureStack() throws IOException, InterruptedException {
        OpaServer.requireInstalled();
        Path work = Files.createTempDirectory(
                Files.createDirectories(Path.of("target", "test-work")).toAbsolutePath(), "stack");
        redis = RedisServer.start();
        grpcPort = OpaServer.freePort();
        tenants = new Tenants(
                        new TenantsSettings(
                                "127.0.0.1",
                                0,
                                null,
                                null,
                                redis.url(),
                                work.resolve("signing-keys"),
                                Duration.ofDays(30),
                                Duration.ofDays(365),
                                OpaServer.REPO.resolve("policies/data/avb/tiers/data.json"),
                                work.resolve("admin-api-key"),
                                work.resolve("dev-api-key"),
                                "dev",
                                Duration.ofSeconds(2)),
                        EdgeAuthz.self("127.0.0.1", grpcPort, Duration.ofSeconds(2)),
                        Clock.systemUTC())
                .start();
        Bootstrap.run(tenants);
        adminKey = Files.readString(work.resolve("admin-api-key")).trim();
        devKey = Files.readString(work.resolve("dev-api-key")).trim();
        opa = OpaServer.start(work, tenants.port(), grpcPort);
        edge = EdgeAuthz.self("127.0.0.1", grpcPort, Duration.ofSeconds(2));
        // The first edge checks (a cold gRPC channel, OPA's first evaluation) may outlast their 2 s
        // deadline on a busy machine: warm both clients up before any test counts on them.
        Poll.until(
                Duration.ofSeconds(30),
                () -> allowed("GET", "/v1/realtime/sessions", devKey)
                        && call("GET", "/v1/tenants/dev", null, adminKey).statusCode() == 200,
                "the edge policy answering");
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "secure-stack-stop"));
    }

    static synchronized SecureStack shared() {
        if (shared == null) {
            try {
                shared = new SecureStack();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return shared;
    }

    /** Settings of a gateway instance on a free port, plain HTTP, checking everything against this stack. */
    GatewaySettings gateway(
            String instanceId, Duration sessionMax, Duration responseIdle, Duration accessRecheck, int maxSessions) {
        return gateway(redis.url(), instanceId, sessionMax, responseIdle, accessRecheck, maxSessions);
    }

    /** The same, with its sessions, streams and limits in the Redis at {@code redisUrl}. */
    GatewaySettings gateway(
            String redisUrl,
            String instanceId,
            Duration sessionMax,
            Duration responseIdle,
            Duration accessRecheck,
            int maxSessions) {
        return new GatewaySettings(
                "127.0.0.1",
                0,
                null,
                null,
                redisUrl,
                instanceId,
                "gpt-realtime",
                sessionMax,
                responseIdle,
                GatewayHarness.VAD_MODEL,
                "self",
                "127.0.0.1:" + grpcPort,
                URI.create("http://127.0.0.1:" + opa.restPort),
                URI.create("http://127.0.0.1:" + tenants.port()),
                null,
                accessRecheck,
                16L * 1024 * 1024,
                maxSessions,
                512L * 1024 * 1024,
                32L * 1024 * 1024,
                64,
                16L * 1024 * 1024);
    }

    /** A tenants API call with the platform admin key; returns the JSON answer, failing on an error status. */
    JsonNode admin(String method, String path, String body) {
        HttpResponse<String> response = call(method, path, body, adminKey);
        if (response.statusCode() >= 300) {
            throw new AssertionError(method + " " + path + " → " + response.statusCode() + ": " + response.body());
        }
        try {
            return response.body().isEmpty() ? Json.object() : Json.parse(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpResponse<String> call(String method, String path, String body, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tenants.port() + path))
                .header("Authorization", "Bearer " + key)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A new tenant with a key of {@code role}: usable at once, as the tenants API answers after OPA has the tenant. */
    String tenantWithKey(String tenant, String tier, String extra, String role) {
        admin(
                "POST",
                "/v1/tenants",
                "{\"id\":\"" + tenant + "\",\"name\":\"" + tenant + "\",\"tier\":\"" + tier + "\""
                        + (extra.isEmpty() ? "" : "," + extra) + "}");
        return key(tenant, role);
    }

    /** What the edge policy says of a request with this key, as the gateway would ask it. */
    boolean allowed(String method, String path, String key) {
        return edge.check(method, path, Map.of("authorization", List.of("Bearer " + key)))
                .allowed();
    }

    String key(String tenant, String role) {
        return newKey(tenant, role).path("value").asText();
    }

    /** The tenants API's answer for a new key: its {@code id} and, this once, its {@code value}. */
    JsonNode newKey(String tenant, String role) {
        return admin("POST", "/v1/tenants/" + tenant + "/keys", "{\"role\":\"" + role + "\"}");
    }

    private void stop() {
        edge.close();
        try {
            opa.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tenants.close();
        redis.close();
    }
}
