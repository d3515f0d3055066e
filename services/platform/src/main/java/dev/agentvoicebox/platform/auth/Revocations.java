package dev.agentvoicebox.platform.auth;

import io.lettuce.core.api.StatefulRedisConnection;
import java.util.Set;

/**
 * Which key ids (jti) are revoked. The tenants service writes {@code HSET avb:revoked <jti> <exp>}
 * when a key is revoked, so every service sharing the Redis sees a revocation at once, before the
 * next OPA bundle poll.
 */
@FunctionalInterface
public interface Revocations {
    String REDIS_KEY = "avb:revoked";

    boolean revoked(String jti);

    static Revocations none() {
        return jti -> false;
    }

    static Revocations of(Set<String> jtis) {
        Set<String> copy = Set.copyOf(jtis);
        return copy::contains;
    }

    static Revocations redis(StatefulRedisConnection<String, String> redis) {
        return jti -> Boolean.TRUE.equals(redis.sync().hexists(REDIS_KEY, jti));
    }
}
