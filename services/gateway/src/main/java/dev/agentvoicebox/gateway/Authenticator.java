package dev.agentvoicebox.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * Checks API keys and ephemeral client secrets. Keys are compared with the dev tenant's key (the
 * tenants service replaces this with signed keys); secrets live in Redis under the SHA-256 of
 * their value, with the secret's lifetime as TTL, so an expired secret simply is not found.
 */
public final class Authenticator {
    public static final String DEV_TENANT = "dev";
    public static final String DEV_PROJECT = "default";
    private static final String SECRET_PREFIX = "avb:ek:";

    private final byte[] devKeyDigest;
    private final StatefulRedisConnection<String, String> redis;

    public Authenticator(String devApiKey, StatefulRedisConnection<String, String> redis) {
        if (devApiKey == null || devApiKey.isBlank()) {
            throw new IllegalArgumentException("no dev API key configured (AVB_DEV_API_KEY_FILE)");
        }
        this.devKeyDigest = sha256(devApiKey.trim());
        this.redis = redis;
    }

    public Optional<Caller> authenticate(String token) {
        if (token == null || token.isBlank()) {
            return Optional.empty();
        }
        if (token.startsWith("ek_")) {
            return secret(token);
        }
        // Digests are compared so the comparison time says nothing about the key.
        if (MessageDigest.isEqual(devKeyDigest, sha256(token))) {
            return Optional.of(new Caller(DEV_TENANT, DEV_PROJECT, "key_dev", null));
        }
        return Optional.empty();
    }

    /** Mints a client secret that opens one session with {@code sessionConfig} applied. */
    public String issueSecret(Caller issuer, ObjectNode sessionConfig, long ttlSeconds) {
        String value = Ids.secret();
        ObjectNode record = Json.object();
        record.put("tenant_id", issuer.tenantId());
        record.put("project_id", issuer.projectId());
        record.set("session", sessionConfig);
        redis.sync().setex(SECRET_PREFIX + HexFormat.of().formatHex(sha256(value)), ttlSeconds, Json.write(record));
        return value;
    }

    private Optional<Caller> secret(String token) {
        String stored = redis.sync().get(SECRET_PREFIX + HexFormat.of().formatHex(sha256(token)));
        if (stored == null) {
            return Optional.empty();
        }
        try {
            JsonNode record = Json.parse(stored);
            ObjectNode session = record.get("session") instanceof ObjectNode s ? s : null;
            return Optional.of(new Caller(record.path("tenant_id").asText(), record.path("project_id").asText(),
                    "ek_" + HexFormat.of().formatHex(sha256(token)).substring(0, 12), session));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
    }
}
