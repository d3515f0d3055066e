package dev.agentvoicebox.platform.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-session policy client: asks OPA's data API for {@code data.avb.session.decision} and
 * caches each tenant/project's decision for 60 s (the product's decision-cache rule). A cached
 * decision is dropped early when OPA's bundle revision changes (a tenant was suspended, a voice
 * was removed): at most every {@code revisionCheck} a lookup reads {@code data.avb.session.revision},
 * a small document, and clears the cache when it differs from the one the decisions were made with.
 */
public final class SessionPolicy {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI opa;
    private final HttpClient http;
    private final Duration ttl;
    private final Duration revisionCheck;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final AtomicLong decisionFetches = new AtomicLong();
    private volatile String revision;
    private volatile Instant revisionCheckedAt = Instant.EPOCH;

    public SessionPolicy(URI opaBaseUrl, HttpClient http, Duration ttl, Duration revisionCheck, Clock clock) {
        this.opa = opaBaseUrl;
        this.http = http;
        this.ttl = ttl;
        this.revisionCheck = revisionCheck;
        this.clock = clock;
    }

    /** From {@code AVB_OPA_URL} (default http://127.0.0.1:8181): 60 s cache, revision checked every 5 s. */
    public static SessionPolicy create(Settings settings) {
        return new SessionPolicy(
                URI.create(settings.get("AVB_OPA_URL", "app.opa.url", "http://127.0.0.1:8181")),
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(),
                Duration.ofSeconds(60),
                Duration.ofSeconds(5),
                Clock.systemUTC());
    }

    public SessionDecision decide(String tenant, String project) throws PolicyUnavailableException {
        Instant now = clock.instant();
        if (!now.isBefore(revisionCheckedAt.plus(revisionCheck))) {
            checkRevision(now);
        }
        String key = tenant + "\u0000" + (project == null ? "" : project);
        Cached cached = cache.get(key);
        if (cached != null && now.isBefore(cached.fetchedAt.plus(ttl))) {
            return cached.decision;
        }
        SessionDecision decision = fetch(tenant, project);
        if (revision == null || !revision.equals(decision.revision())) {
            // The decision saw a newer bundle than the cache did: older entries are stale.
            cache.clear();
            revision = decision.revision();
            revisionCheckedAt = now;
        }
        cache.put(key, new Cached(decision, now));
        return decision;
    }

    /** How many decisions were fetched from OPA (not served from the cache). */
    public long fetches() {
        return decisionFetches.get();
    }

    private void checkRevision(Instant now) throws PolicyUnavailableException {
        JsonNode result = post("/v1/data/avb/session/revision", JSON.createObjectNode());
        String current = result.isMissingNode() || result.isNull() ? "" : result.asText();
        if (revision != null && !revision.equals(current)) {
            cache.clear();
        }
        revision = current;
        revisionCheckedAt = now;
    }

    private SessionDecision fetch(String tenant, String project) throws PolicyUnavailableException {
        ObjectNode input = JSON.createObjectNode();
        input.put("tenant", tenant);
        input.put("project", project == null ? "" : project);
        decisionFetches.incrementAndGet();
        JsonNode d = post("/v1/data/avb/session/decision", input);
        if (!d.isObject() || !d.path("allowed").isBoolean()) {
            throw new PolicyUnavailableException(
                    "OPA has no avb.session decision (is the policy bundle loaded?)", null);
        }
        Map<String, Long> limits = new LinkedHashMap<>();
        d.path("limits")
                .properties()
                .forEach(e -> limits.put(e.getKey(), e.getValue().asLong()));
        return new SessionDecision(
                d.path("allowed").asBoolean(),
                d.path("reason").asText(""),
                tenant,
                d.path("tier").asText(""),
                strings(d.path("voices")),
                new HashSet<>(strings(d.path("blocked_tools"))),
                strings(d.path("output_modalities")),
                Map.copyOf(limits),
                d.path("revision").asText(""));
    }

    private JsonNode post(String path, ObjectNode input) throws PolicyUnavailableException {
        ObjectNode body = JSON.createObjectNode();
        body.set("input", input);
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(opa.resolve(path))
                            .timeout(Duration.ofSeconds(2))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new PolicyUnavailableException("OPA answered " + response.statusCode() + " for " + path, null);
            }
            return JSON.readTree(response.body()).path("result");
        } catch (IOException e) {
            throw new PolicyUnavailableException("OPA unreachable at " + opa + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PolicyUnavailableException("interrupted while asking OPA", e);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    private record Cached(SessionDecision decision, Instant fetchedAt) {}

    /** The names every tier defines, for callers that enumerate limits. */
    public static final Set<String> LIMIT_NAMES =
            Set.of("responses_per_minute", "tokens_per_minute", "concurrent_sessions", "audio_minutes_per_day");
}
