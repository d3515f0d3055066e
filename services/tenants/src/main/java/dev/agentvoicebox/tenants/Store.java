package dev.agentvoicebox.tenants;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.auth.Revocations;
import dev.agentvoicebox.platform.http.Json;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Tenants, projects and key records in Redis. Lists are sorted sets scored 0 and read with
 * ZRANGEBYLEX, so {@code after=<id>} pages are one command whatever the list's size.
 *
 * <pre>
 * avb:tenants                      zset  tenant ids
 * avb:tenant:{t}:record            string tenant JSON
 * avb:tenant:{t}:projects          zset  project ids
 * avb:tenant:{t}:project:&lt;p&gt;       string project JSON
 * avb:tenant:{t}:keys              zset  key ids
 * avb:tenant:{t}:key:&lt;k&gt;           string key JSON (id and claims; never the token)
 * avb:revoked                      hash  jti -&gt; exp (epoch s), read by every service
 * </pre>
 */
final class Store {
    private static final String TENANTS = "avb:tenants";

    private final StatefulRedisConnection<String, String> redis;

    Store(StatefulRedisConnection<String, String> redis) {
        this.redis = redis;
    }

    private RedisCommands<String, String> sync() {
        return redis.sync();
    }

    static String tenantKey(String t) {
        return "avb:tenant:{" + t + "}:record";
    }

    /** False when the tenant already exists. */
    boolean createTenant(String id, ObjectNode tenant) {
        String ok = sync().set(tenantKey(id), Json.write(tenant), SetArgs.Builder.nx());
        if (!"OK".equals(ok)) {
            return false;
        }
        sync().zadd(TENANTS, 0, id);
        return true;
    }

    void saveTenant(String id, ObjectNode tenant) {
        sync().set(tenantKey(id), Json.write(tenant));
    }

    Optional<ObjectNode> tenant(String id) {
        return read(sync().get(tenantKey(id)));
    }

    Page tenants(int limit, String after) {
        return page(TENANTS, limit, after, this::tenant);
    }

    List<ObjectNode> allTenants() {
        List<ObjectNode> out = new ArrayList<>();
        for (String id : sync().zrangebylex(TENANTS, Range.unbounded())) {
            tenant(id).ifPresent(out::add);
        }
        return out;
    }

    boolean createProject(String tenant, String id, ObjectNode project) {
        String ok = sync().set("avb:tenant:{" + tenant + "}:project:" + id, Json.write(project), SetArgs.Builder.nx());
        if (!"OK".equals(ok)) {
            return false;
        }
        sync().zadd("avb:tenant:{" + tenant + "}:projects", 0, id);
        return true;
    }

    Optional<ObjectNode> project(String tenant, String id) {
        return read(sync().get("avb:tenant:{" + tenant + "}:project:" + id));
    }

    Page projects(String tenant, int limit, String after) {
        return page("avb:tenant:{" + tenant + "}:projects", limit, after, id -> project(tenant, id));
    }

    void saveKey(String tenant, String id, ObjectNode key) {
        sync().set("avb:tenant:{" + tenant + "}:key:" + id, Json.write(key));
        sync().zadd("avb:tenant:{" + tenant + "}:keys", 0, id);
    }

    Optional<ObjectNode> key(String tenant, String id) {
        return read(sync().get("avb:tenant:{" + tenant + "}:key:" + id));
    }

    Page keys(String tenant, int limit, String after, java.util.function.Predicate<ObjectNode> visible) {
        return page(
                "avb:tenant:{" + tenant + "}:keys",
                limit,
                after,
                id -> key(tenant, id).filter(visible));
    }

    void revoke(String jti, long expiresAt) {
        sync().hset(Revocations.REDIS_KEY, jti, Long.toString(expiresAt));
    }

    /** Revoked jtis that have not expired yet; expired ones are pruned (an expired key fails anyway). */
    Map<String, Long> revocations(long nowSeconds) {
        Map<String, Long> live = new java.util.TreeMap<>();
        for (Map.Entry<String, String> e : sync().hgetall(Revocations.REDIS_KEY).entrySet()) {
            long exp = Long.parseLong(e.getValue());
            if (exp < nowSeconds) {
                sync().hdel(Revocations.REDIS_KEY, e.getKey());
            } else {
                live.put(e.getKey(), exp);
            }
        }
        return live;
    }

    /** Ids after {@code after}, up to {@code limit}, plus whether more follow. */
    private Page page(
            String zset, int limit, String after, java.util.function.Function<String, Optional<ObjectNode>> load) {
        Range<String> range = after == null
                ? Range.unbounded()
                : Range.from(Range.Boundary.excluding(after), Range.Boundary.unbounded());
        List<ObjectNode> items = new ArrayList<>();
        String cursor = after;
        boolean more = false;
        // Items hidden by the filter (another project's keys) are skipped, so read in batches; and
        // has_more needs one more *visible* item, or a client would page on into an empty page.
        while (true) {
            List<String> ids = sync().zrangebylex(zset, range, Limit.create(0, limit + 1));
            for (String id : ids) {
                Optional<ObjectNode> item = load.apply(id);
                if (item.isPresent() && items.size() == limit) {
                    more = true;
                    break;
                }
                cursor = id;
                item.ifPresent(items::add);
            }
            if (more || ids.size() <= limit) {
                break;
            }
            range = Range.from(Range.Boundary.excluding(cursor), Range.Boundary.unbounded());
        }
        return new Page(items, more);
    }

    private static Optional<ObjectNode> read(String json) {
        if (json == null) {
            return Optional.empty();
        }
        try {
            return Optional.of((ObjectNode) Json.parse(json));
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("corrupt record in Redis", e);
        }
    }

    record Page(List<ObjectNode> items, boolean hasMore) {}
}
