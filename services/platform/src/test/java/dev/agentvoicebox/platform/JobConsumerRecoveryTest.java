package dev.agentvoicebox.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentvoicebox.platform.testing.Poll;
import dev.agentvoicebox.platform.testing.RedisServer;
import dev.agentvoicebox.protocol.Envelope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A reader whose stream Redis lost (a restart without persistence) makes its group again and reads on. */
class JobConsumerRecoveryTest {
    private static final String STREAM = "avb:jobs:recovery-test";

    private static Envelope job(String responseId) {
        return new Envelope(
                "test.job",
                "tenant-1",
                "project-1",
                "sess-1",
                responseId,
                "item-1",
                0,
                System.currentTimeMillis() + 60_000,
                "",
                "",
                "avb:gw:recovery-test",
                1,
                "{}");
    }

    @Test
    void aLostStreamIsMadeAgainAndReadOn() {
        List<String> handled = new CopyOnWriteArrayList<>();
        try (RedisServer server = RedisServer.start();
                RedisConnections redis = new RedisConnections(server.url());
                JobConsumer consumer = new JobConsumer(
                        redis,
                        STREAM,
                        "recovery",
                        "reader-1",
                        job -> handled.add(job.envelope().responseId()),
                        null,
                        JobConsumer.Options.defaults())) {
            consumer.start();
            StreamPublisher publisher = new StreamPublisher(redis.shared());
            publisher.publish(STREAM, job("before"));
            Poll.until(Duration.ofSeconds(5), () -> handled.contains("before"), "the first job");

            redis.shared().sync().del(STREAM);
            publisher.publish(STREAM, job("after"));
            Poll.until(Duration.ofSeconds(10), () -> handled.contains("after"), "a job on the stream made again");
            assertEquals(List.of("before", "after"), handled);
        }
    }
}
