package dev.agentvoicebox.platform.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.testing.RedisServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The limiter's scripts are gone from a restarted Redis: the limiter loads them again by itself. */
class RateLimiterRestartTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);
    static final Limits LIMITS = new Limits(50, 1000, 5, 2);

    @Test
    void limitsWorkAgainAfterARestartWithItsData() {
        try (RedisServer redis = RedisServer.start();
                RedisConnections connections = new RedisConnections(redis.url())) {
            RateLimiter limiter = new RateLimiter(connections.shared(), CLOCK);
            assertEquals(49, limiter.acquireResponse("kept", LIMITS).remaining());
            assertEquals(48, limiter.acquireResponse("kept", LIMITS).remaining());

            redis.restart(true);

            LimitOutcome after = firstAnswer(() -> limiter.acquireResponse("kept", LIMITS));
            assertTrue(after.allowed());
            assertEquals(47, after.remaining(), "the bucket came back with the data");
            assertTrue(limiter.acquireSession("kept", LIMITS, "s1", Duration.ofSeconds(30))
                    .allowed());
            assertTrue(limiter.acquireAudio("kept", LIMITS, 10).allowed());
        }
    }

    @Test
    void limitsWorkAgainAfterAnEmptyRestart() {
        try (RedisServer redis = RedisServer.start();
                RedisConnections connections = new RedisConnections(redis.url())) {
            RateLimiter limiter = new RateLimiter(connections.shared(), CLOCK);
            assertEquals(49, limiter.acquireResponse("lost", LIMITS).remaining());

            redis.restart(false);

            LimitOutcome after = firstAnswer(() -> limiter.acquireResponse("lost", LIMITS));
            assertTrue(after.allowed());
            assertEquals(49, after.remaining(), "a fresh node starts with full buckets");
            assertTrue(limiter.checkTokens("lost", LIMITS).allowed());
            assertTrue(limiter.acquireSession("lost", LIMITS, "s1", Duration.ofSeconds(30))
                    .allowed());
            assertTrue(limiter.recordAudio("lost", LIMITS, 10).allowed());
        }
    }

    /** The first outcome once the client has reconnected, which must come within 10 s. */
    private static LimitOutcome firstAnswer(java.util.function.Supplier<LimitOutcome> call) {
        long start = System.nanoTime();
        RuntimeException last = null;
        while (System.nanoTime() - start < Duration.ofSeconds(10).toNanos()) {
            try {
                LimitOutcome outcome = call.get();
                System.out.printf(
                        "limits answered %d ms after Redis came back%n",
                        Duration.ofNanos(System.nanoTime() - start).toMillis());
                return outcome;
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("the limits did not answer within 10 s of Redis coming back", last);
    }
}
