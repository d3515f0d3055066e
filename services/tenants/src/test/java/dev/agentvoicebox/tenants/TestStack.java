package dev.agentvoicebox.tenants;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentvoicebox.platform.edge.EdgeAuthz;
import dev.agentvoicebox.platform.http.Json;
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
import java.util.Map;

/** Helpers shared by the tenants tests: a service on a free port, and a small JSON HTTP client. */
final class TestStack {
    static final Path REPO = Path.of(System.getenv().getOrDefault("AVB_REPO_ROOT", "../.."))
            .toAbsolutePath()
            .normalize();
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private TestStack() {}

    static Tenants start(String redisUrl, Path work, EdgeAuthz edge, Clock clock) {
        TenantsSettings settings = new TenantsSettings(
                "127.0.0.1",
                0,
                null,
                null,
                redisUrl,
                work.resolve("signing-keys"),
                Duration.ofDays(30),
                Duration.ofDays(365),
                REPO.resolve("policies/data/avb/tiers/data.json"),
                work.resolve("admin-api-key"),
                work.resolve("dev-api-key"),
                "dev",
                Duration.ofSeconds(2));
        return new Tenants(settings, edge, clock).start();
    }

    record Response(int status, JsonNode json, String body, HttpResponse<byte[]> raw) {}

    static Response call(int port, String method, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        try {
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            String text = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
            JsonNode json = null;
            if (r.headers().firstValue("content-type").orElse("").contains("json") && !text.isEmpty()) {
                json = Json.parse(text);
            }
            return new Response(r.statusCode(), json, text, r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Path tempDir(String name) {
        try {
            Path base = Path.of("target", "test-work");
            Files.createDirectories(base);
            return Files.createTempDirectory(base.toAbsolutePath(), name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
