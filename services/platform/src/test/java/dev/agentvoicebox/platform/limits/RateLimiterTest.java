package dev.agentvoicebox.platform.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.testing.RedisServer;
import dev.agentvoicebox.platform.testing.Teardown;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/** The limiter's Lua scripts against a real redis-server, with a clock the test moves. */
class RateLimiterTest {
    static RedisServer redis;
    static RedisConnections connections;
    static final MutableClock CLOCK = MutableClock.of(Instant.parse("2026-03-01T23:59:00Z"), ZoneOffset.UTC);
    static final Limits LIMITS = new Limits(50, 1000, 5, 2);

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        connections = new RedisConnections(redis.url());
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(connections, redis);
    }

    @Test
    void manyThreadsNeverOverAdmitResponses() throws Exception {
        RateLimiter limiter = new RateLimiter(connections.shared(), CLOCK);
        int threads = 16;
        int attempts = 40;
        AtomicInteger allowed = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            // Each thread has its own connection, so the scripts really run interleaved.
            futures.add(pool.submit(() -> {
                try (var own = new RedisConnections(redis.url())) {
                    RateLimiter mine = new RateLimiter(own.shared(), CLOCK);
                    go.await();
                    for (int i = 0; i < attempts; i++) {
                        if (mine.acquireResponse("conc", LIMITS).allowed()) {
                            allowed.incrementAndGet();
                        }
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertEquals(50, allowed.get(), "exactly the limit, out of " + threads * attempts + " attempts");
        LimitOutcome refused = limiter.acquireResponse("conc", LIMITS);
        assertFalse(refused.allowed());
        assertEquals("responses", refused.name());
        assertEquals(0, refused.remaining());
        assertEquals(2, refused.retryAfterSeconds(), "one token refills in 60/50 s = 1.2 s, rounded up");
        assertEquals(60, refused.resetSeconds());
    }

    @Test
    void bucketRefillsWithTime() {
        RateLimiter limiter = new RateLimiter(connections.shared(), CLOCK);
        for (int i = 0; i < 50; i++) {
            assertTrue(limiter.acquireResponse("refill", LIMITS).allowed());
        }
        assertFalse(limiter.acquireResponse("refill", LIMITS).allowed());
        CLOCK.add(Duration.ofSeconds(6)); // 6 s x 50/60 per s = 5 tokens
        int more = 0;
        while (limiter.acquireResponse("refill", LIMITS).allowed()) {
            more++;
        }
        assertEquals(5, more);
    }

    @Test
    void tokensAreCheckedBeforeAndCountedAfter() {
        RateLimiter limiter = new RateLimiter(connections.shared(), CLOCK);
        assertTrue(limiter.checkTokens("tok", LIMITS).allowed());
        LimitOutcome used = limiter.recordTokens("tok", LIMITS, 400);
        assertEquals(600, used.remaining());
        LimitOutcome over = limiter.recordTokens("tok", LIMITS, 900); // a response may overrun; it is still counted
        assertEquals(0, over.remaining());
        assertTrue(over.retryAfterSeconds() > 0);
        LimitOutcome blocked = limiter.checkTokens("tok", LIMITS);
        assertFalse(blocked.allowed(), "in debt: the next response waits");
        // debt of 300 tokens + 1 at 1000/60 per s = 18.06 s
        assertEquals(19, blocked.retryAfterSeconds());
        CLOCK.add(Duration.ofSeconds(19));
        assertTrue(limiter.checkTokens("tok", LIMITS).allowed());
    }

    @Test
    void concurrentSessionsAreLeases() throws Exception {
        RateLimiter limiter = new RateLimiter(connections.shared(), CLOCK);
        Duration lease = Duration.ofSeconds(30);
        int threads = 12;
        AtomicInteger admitted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String id = "s" + t;
            futures.add(pool.submit(() -> {
                try (var own = new RedisConnections(redis.url())) {
                    RateLimiter mine = new RateLimiter(own.shared(), CLOCK);
                    go.await();
                    if (mine.acquireSession("sess", LIMITS, id, lease).allowed()) {
                        admitted.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertEquals(5, admitted.get());
        LimitOutcome full = limiter.acquireSession("sess", LIMITS, "late", lease);
        assertFalse(full.allowed());
        assertEquals("sessions", full.name());
        assertEquals(30, full.retryAfterSeconds());
        // renewing a held lease always works, and releasing frees a slot
        String holder = connections
                .shared()
                .sync()
                .zrange("avb:rl:{sess}:sessions", 0, 0)
                .getFirst();
        assertTrue(limiter.acquireSession("sess", LIMITS, holder, lease).allowed());
        limiter.releaseSession("sess", holder);
        assertTrue(limiter.acquireSession("sess", LIMITS, "late", lease).allowed());
        // a dead gateway's leases lapse
        CLOCK.add(Duration.ofSeconds(31));
        LimitOutcome fresh = limiter.acquireSession("sess", LIMITS, "new", lease);
        assertTrue(fresh.allowed());
        assertEquals(4, fresh.remaining());
    }

    @Test
    void audioMinutesPerUtcDay() {
        CLOCK.setInstant(Instant.parse("2026-03-02T23:59:30Z"));
        RateLimiter limiter = new RateLimiter(connections.shared(), CLOCK);
        assertTrue(limiter.acquireAudio("aud", LIMITS, 100).allowed());
        LimitOutcome refused = limiter.acquireAudio("aud", LIMITS, 30); // 100 + 30 > 120 s
        assertFalse(refused.allowed());
        assertEquals(20, refused.remaining(), "a refused request counts nothing");
        assertEquals(30, refused.retryAfterSeconds(), "until UTC midnight");
        assertEquals(0, limiter.recordAudio("aud", LIMITS, 30).remaining());
        CLOCK.setInstant(Instant.parse("2026-03-03T00:00:01Z"));
        assertEquals(120 - 10, limiter.acquireAudio("aud", LIMITS, 10).remaining(), "a new day starts at zero");
    }

    @Test
    void tenantOverridesReplaceTierValues() {
        Limits tier = new Limits(20, 20000, 2, 30);
        Limits merged = tier.withOverrides(java.util.Map.of("concurrent_sessions", 7L));
        assertEquals(7, merged.concurrentSessions());
        assertEquals(20, merged.responsesPerMinute());
        assertThrowsIllegal(() -> tier.withOverrides(java.util.Map.of("bananas", 1L)));
    }

    private static void assertThrowsIllegal(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException expected) {
            return;
        }
        throw new AssertionError("expected IllegalArgumentException");
    }
}
