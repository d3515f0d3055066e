package dev.agentvoicebox.platform.limits;

import dev.agentvoicebox.platform.RedisScript;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Per-tenant limits in Redis, each check one Lua script so concurrent gateways never over-admit:
 * <ul>
 *   <li>responses/min and LLM tokens/min: token buckets refilled continuously (capacity = the
 *       per-minute limit), so there is no burst of twice the limit at a window edge;</li>
 *   <li>concurrent sessions: a sorted set of session leases, renewed by the session heartbeat, so
 *       a gateway that dies frees its slots when the leases lapse;</li>
 *   <li>audio minutes/day: a counter per UTC day.</li>
 * </ul>
 * Keys are {@code avb:rl:{<tenant>}:<name>}: the hash tag keeps one tenant's limits in one slot.
 * Time comes from the caller's clock (passed into the scripts) so that tests are exact.
 */
public final class RateLimiter {
    private static final String BUCKET = """
            local limit = tonumber(ARGV[1])
            local window = tonumber(ARGV[2])
            local cost = tonumber(ARGV[3])
            local now = tonumber(ARGV[4])
            local mode = ARGV[5]
            if limit <= 0 then return {0, 0, 0, window} end
            local rate = limit / window
            local s = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
            local tokens = tonumber(s[1])
            local ts = tonumber(s[2])
            if tokens == nil then tokens = limit; ts = now end
            if now > ts then
              tokens = math.min(limit, tokens + (now - ts) * rate)
              ts = now
            end
            local allowed = 1
            if mode == 'acquire' then
              if tokens < cost then allowed = 0 else tokens = tokens - cost end
            elseif mode == 'check' then
              if tokens < 1 then allowed = 0 end
            else
              tokens = tokens - cost
            end
            redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%d', ts))
            redis.call('PEXPIRE', KEYS[1], window * 2)
            local remaining = math.max(0, math.floor(tokens))
            local reset = math.ceil((limit - tokens) / rate)
            local retry = 0
            local need = cost
            if mode ~= 'acquire' then need = 1 end
            if allowed == 0 or tokens < 0 then retry = math.ceil((need - tokens) / rate) end
            return {allowed, remaining, reset, retry}
            """;

    private static final String LEASES = """
            local limit = tonumber(ARGV[1])
            local now = tonumber(ARGV[2])
            local lease = tonumber(ARGV[3])
            local member = ARGV[4]
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            if redis.call('ZSCORE', KEYS[1], member) then
              redis.call('ZADD', KEYS[1], now + lease, member)
              redis.call('PEXPIRE', KEYS[1], lease * 2)
              return {1, math.max(0, limit - redis.call('ZCARD', KEYS[1])), 0}
            end
            local n = redis.call('ZCARD', KEYS[1])
            if n >= limit then
              local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
              local wait = lease
              if first[2] then wait = tonumber(first[2]) - now end
              return {0, 0, wait}
            end
            redis.call('ZADD', KEYS[1], now + lease, member)
            redis.call('PEXPIRE', KEYS[1], lease * 2)
            return {1, limit - n - 1, 0}
            """;

    private static final String DAILY = """
            local limit = tonumber(ARGV[1])
            local cost = tonumber(ARGV[2])
            local ttl = tonumber(ARGV[3])
            local mode = ARGV[4]
            local used = tonumber(redis.call('GET', KEYS[1]) or '0')
            local allowed = 1
            if mode == 'acquire' and used + cost > limit then
              allowed = 0
            else
              used = redis.call('INCRBY', KEYS[1], cost)
              redis.call('PEXPIRE', KEYS[1], ttl)
            end
            return {allowed, math.max(0, limit - used)}
            """;

    private final StatefulRedisConnection<String, String> redis;
    private final Clock clock;
    private final RedisScript bucketScript;
    private final RedisScript leaseScript;
    private final RedisScript dailyScript;

    public RateLimiter(StatefulRedisConnection<String, String> redis, Clock clock) {
        this.redis = redis;
        this.clock = clock;
        this.bucketScript = new RedisScript(redis, BUCKET);
        this.leaseScript = new RedisScript(redis, LEASES);
        this.dailyScript = new RedisScript(redis, DAILY);
    }

    /** One response: refused (nothing taken) when the responses/min bucket is empty. */
    public LimitOutcome acquireResponse(String tenant, Limits limits) {
        return bucket(tenant, "responses", limits.responsesPerMinute(), 1, "acquire");
    }

    /** Before a response: refused while the tokens/min bucket is empty (or in debt); takes nothing. */
    public LimitOutcome checkTokens(String tenant, Limits limits) {
        return bucket(tenant, "tokens", limits.tokensPerMinute(), 0, "check");
    }

    /** After a response: the tokens it used, even past the limit (the debt delays the next one). */
    public LimitOutcome recordTokens(String tenant, Limits limits, long used) {
        return bucket(tenant, "tokens", limits.tokensPerMinute(), used, "record");
    }

    /**
     * A session slot, held for {@code lease} unless renewed (call again with the same id from the
     * heartbeat). Renewing an existing lease never fails.
     */
    public LimitOutcome acquireSession(String tenant, Limits limits, String sessionId, Duration lease) {
        long now = clock.millis();
        List<Object> r = leaseScript.run(
                ScriptOutputType.MULTI,
                new String[] {key(tenant, "sessions")},
                Long.toString(limits.concurrentSessions()),
                Long.toString(now),
                Long.toString(lease.toMillis()),
                sessionId);
        boolean allowed = asLong(r.get(0)) == 1;
        long retry = allowed ? 0 : ceilSeconds(asLong(r.get(2)));
        return new LimitOutcome(allowed, "sessions", limits.concurrentSessions(), asLong(r.get(1)), retry, retry);
    }

    public void releaseSession(String tenant, String sessionId) {
        redis.sync().zrem(key(tenant, "sessions"), sessionId);
    }

    /** Refused when {@code seconds} more audio would pass today's (UTC) limit; nothing counted then. */
    public LimitOutcome acquireAudio(String tenant, Limits limits, long seconds) {
        return daily(tenant, limits, seconds, "acquire");
    }

    /** Audio actually processed, counted even past the limit. */
    public LimitOutcome recordAudio(String tenant, Limits limits, long seconds) {
        return daily(tenant, limits, seconds, "record");
    }

    private LimitOutcome bucket(String tenant, String name, long limit, long cost, String mode) {
        long window = 60_000;
        List<Object> r = bucketScript.run(
                ScriptOutputType.MULTI,
                new String[] {key(tenant, name)},
                Long.toString(limit),
                Long.toString(window),
                Long.toString(cost),
                Long.toString(clock.millis()),
                mode);
        boolean allowed = asLong(r.get(0)) == 1;
        return new LimitOutcome(
                allowed, name, limit, asLong(r.get(1)), ceilSeconds(asLong(r.get(2))), ceilSeconds(asLong(r.get(3))));
    }

    private LimitOutcome daily(String tenant, Limits limits, long seconds, String mode) {
        Instant now = clock.instant();
        LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
        long untilMidnight =
                day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli() - now.toEpochMilli();
        long limit = limits.audioMinutesPerDay() * 60;
        List<Object> r = dailyScript.run(
                ScriptOutputType.MULTI,
                new String[] {key(tenant, "audio:" + day)},
                Long.toString(limit),
                Long.toString(seconds),
                Long.toString(untilMidnight + 3_600_000),
                mode);
        boolean allowed = asLong(r.get(0)) == 1;
        long remaining = asLong(r.get(1));
        long reset = ceilSeconds(untilMidnight);
        return new LimitOutcome(
                allowed, "audio_seconds", limit, remaining, reset, allowed && remaining > 0 ? 0 : reset);
    }

    static String key(String tenant, String name) {
        return "avb:rl:{" + tenant + "}:" + name;
    }

    private static long asLong(Object o) {
        return o instanceof Long l ? l : Long.parseLong(o.toString());
    }

    private static long ceilSeconds(long millis) {
        return millis <= 0 ? 0 : (millis + 999) / 1000;
    }
}
