package dev.agentvoicebox.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentvoicebox.platform.testing.Poll;
import dev.agentvoicebox.platform.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class RedisConnectionsTest {
    /**
     * Lettuce's default backoff doubles up to 30 s: its attempts come 8, 16 and 33 s after the loss,
     * so after a 20 s outage it would be back 13 s after Redis. Capped, every kind of connection is
     * back within about a second.
     */
    @Test
    void everyConnectionIsBackSoonAfterALongOutage() throws InterruptedException {
        try (RedisServer redis = RedisServer.start();
                RedisConnections connections = new RedisConnections(redis.url())) {
            var dedicated = connections.dedicated();
            var pubSub = connections.pubSub();
            AtomicInteger reconnects = new AtomicInteger();
            connections.onReconnected(reconnects::incrementAndGet);

            redis.stop(false);
            Thread.sleep(20_000);
            redis.startAgain();
            long back = System.nanoTime();

            Poll.until(
                    Duration.ofSeconds(10),
                    () -> answers(() -> connections.shared().sync().ping())
                            && answers(() -> dedicated.sync().ping())
                            && answers(() -> pubSub.sync().ping()),
                    "every connection answering");
            long millis = Duration.ofNanos(System.nanoTime() - back).toMillis();
            System.out.printf("every connection answered %d ms after Redis came back%n", millis);
            assertTrue(millis < 3_000, millis + " ms");
            Poll.until(Duration.ofSeconds(1), () -> reconnects.get() == 1, "the reconnect action");
            assertEquals(1, reconnects.get(), "run once, for the shared connection");
            dedicated.close();
            pubSub.close();
        }
    }

    private static boolean answers(Supplier<String> ping) {
        try {
            return "PONG".equals(ping.get());
        } catch (RuntimeException e) {
            return false;
        }
    }
}
