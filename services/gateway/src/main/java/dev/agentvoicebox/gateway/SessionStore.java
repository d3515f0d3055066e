package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.access.Caller;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.protocol.Streams;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sessions and their items in Redis (keys in services/protocol). Writes are asynchronous and
 * ordered on one connection, so the session loop never waits on Redis; reads (listing, inspecting)
 * serve the REST API of any gateway instance.
 */
public final class SessionStore {
    static final Duration TTL = Duration.ofSeconds(30);
    private static final Logger LOG = Logger.getLogger(SessionStore.class.getName());

    private final StatefulRedisConnection<String, String> connection;

    public SessionStore(StatefulRedisConnection<String, String> connection) {
        this.connection = connection;
    }

    public void open(String sessionId, Caller caller, String gatewayId, long createdAt, long expiresAt, String config) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("tenant_id", caller.tenantId());
        fields.put("project_id", caller.projectId());
        fields.put("gateway", gatewayId);
        fields.put("created_at", Long.toString(createdAt));
        fields.put("expires_at", Long.toString(expiresAt));
        fields.put("status", "active");
        fields.put("config", config);
        RedisAsyncCommands<String, String> redis = connection.async();
        watch(redis.hset(Streams.sessionKey(sessionId), fields));
        heartbeat(sessionId, caller.tenantId());
    }

    public void saveConfig(String sessionId, String config) {
        watch(connection.async().hset(Streams.sessionKey(sessionId), "config", config));
    }

    public void saveItem(String sessionId, ObjectNode item, List<String> order) {
        RedisAsyncCommands<String, String> redis = connection.async();
        watch(redis.hset(Streams.sessionItemsKey(sessionId), item.path("id").asText(), Json.write(item)));
        writeOrder(redis, sessionId, order);
    }

    public void deleteItem(String sessionId, String itemId, List<String> order) {
        RedisAsyncCommands<String, String> redis = connection.async();
        watch(redis.hdel(Streams.sessionItemsKey(sessionId), itemId));
        writeOrder(redis, sessionId, order);
    }

    /**
     * Keeps a live session's keys and its place in the tenant's index from lapsing. Completes with
     * false when Redis no longer holds the session (it came back without its data), and
     * exceptionally when Redis is away.
     */
    public CompletionStage<Boolean> heartbeat(String sessionId, String tenantId) {
        RedisAsyncCommands<String, String> redis = connection.async();
        long ttl = TTL.toSeconds();
        RedisFuture<Boolean> kept = redis.expire(Streams.sessionKey(sessionId), ttl);
        watch(kept);
        watch(redis.expire(Streams.sessionItemsKey(sessionId), ttl));
        watch(redis.expire(Streams.sessionOrderKey(sessionId), ttl));
        long now = System.currentTimeMillis();
        String index = Streams.tenantSessionsKey(tenantId);
        watch(redis.zadd(index, now + TTL.toMillis(), sessionId));
        watch(redis.zremrangebyscore(index, Range.create(Double.NEGATIVE_INFINITY, (double) now)));
        watch(redis.expire(index, ttl * 2));
        return kept;
    }

    public void close(String sessionId, String tenantId) {
        RedisAsyncCommands<String, String> redis = connection.async();
        watch(redis.del(
                Streams.sessionKey(sessionId), Streams.sessionItemsKey(sessionId), Streams.sessionOrderKey(sessionId)));
        watch(redis.zrem(Streams.tenantSessionsKey(tenantId), sessionId));
    }

    /** The tenant's live sessions on every gateway instance. */
    public List<Map<String, String>> list(String tenantId) {
        var redis = connection.sync();
        List<String> ids = redis.zrangebyscore(
                Streams.tenantSessionsKey(tenantId),
                Range.create((double) System.currentTimeMillis(), Double.POSITIVE_INFINITY));
        List<Map<String, String>> sessions = new ArrayList<>();
        for (String id : ids) {
            find(id).filter(s -> tenantId.equals(s.get("tenant_id"))).ifPresent(sessions::add);
        }
        return sessions;
    }

    public Optional<Map<String, String>> find(String sessionId) {
        Map<String, String> fields = connection.sync().hgetall(Streams.sessionKey(sessionId));
        if (fields == null || fields.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> session = new LinkedHashMap<>(fields);
        session.put("id", sessionId);
        return Optional.of(session);
    }

    public List<String> itemOrder(String sessionId) {
        return connection.sync().lrange(Streams.sessionOrderKey(sessionId), 0, -1);
    }

    public Map<String, String> items(String sessionId) {
        return connection.sync().hgetall(Streams.sessionItemsKey(sessionId));
    }

    private void writeOrder(RedisAsyncCommands<String, String> redis, String sessionId, List<String> order) {
        // Inserts can land anywhere (previous_item_id), so the whole order is rewritten; it is small.
        // RENAME swaps it in atomically, so a reader never sees a half-written list.
        String key = Streams.sessionOrderKey(sessionId);
        if (order.isEmpty()) {
            watch(redis.del(key));
            return;
        }
        String staging = key + ":next";
        watch(redis.del(staging));
        watch(redis.rpush(staging, order.toArray(String[]::new)));
        watch(redis.rename(staging, key));
        watch(redis.expire(key, TTL.toSeconds()));
    }

    private static void watch(RedisFuture<?> future) {
        future.exceptionally(error -> {
            LOG.log(Level.WARNING, "session write to Redis failed: " + error.getMessage());
            return null;
        });
    }
}
