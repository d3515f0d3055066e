package dev.agentvoicebox.platform;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentvoicebox.platform.testing.Poll;
import dev.agentvoicebox.platform.testing.RedisServer;
import dev.agentvoicebox.protocol.Envelope;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A worker whose Redis came back empty (its stream and group gone) makes its group again and goes
 * on, and still hears cancellations on {@code avb:cancel}.
 */
class JobConsumerRestartTest {
    private static final String STREAM = "avb:jobs:test";

    @Test
    void aJobSubmittedAfterAnEmptyRestartIsProcessed() {
        Set<String> done = ConcurrentHashMap.newKeySet();
        Set<String> cancelled = ConcurrentHashMap.newKeySet();
        try (RedisServer redis = RedisServer.start();
                RedisConnections connections = new RedisConnections(redis.url());
                JobConsumer consumer = new JobConsumer(
                        connections,
                        STREAM,
                        "test",
                        "worker-1",
                        job -> done.add(job.envelope().responseId()),
                        cancelled::add,
                        JobConsumer.Options.defaults())) {
            consumer.start();
            StreamPublisher publisher = new StreamPublisher(connections.shared());
            publisher.publish(STREAM, job("before"));
            Poll.until(Duration.ofSeconds(5), () -> done.contains("before"), "the first job");

            redis.restart(false);
            long back = System.nanoTime();

            Poll.until(Duration.ofSeconds(10), () -> submitted(publisher, "after"), "a submission after the restart");
            Poll.until(Duration.ofSeconds(10), () -> done.contains("after"), "the job after the restart");
            long millis = Duration.ofNanos(System.nanoTime() - back).toMillis();
            System.out.printf("the worker processed a new job %d ms after Redis came back%n", millis);
            assertTrue(millis < 10_000, millis + " ms");

            publisher.cancel("resp_after");
            Poll.until(
                    Duration.ofSeconds(5), () -> cancelled.contains("resp_after"), "a cancellation after the restart");
        }
    }

    private static boolean submitted(StreamPublisher publisher, String responseId) {
        try {
            publisher.publish(STREAM, job(responseId));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Envelope job(String responseId) {
        return new Envelope(
                "test.request",
                "t",
                "p",
                "s",
                responseId,
                "",
                0,
                System.currentTimeMillis() + 60_000,
                "",
                "",
                "",
                1,
                "{}");
    }
}
