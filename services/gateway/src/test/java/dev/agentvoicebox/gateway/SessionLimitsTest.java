package dev.agentvoicebox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.testing.Teardown;
import dev.agentvoicebox.protocol.Envelope;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The time limits, shortened so they can be watched: the session cap and the response idle timeout. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionLimitsTest {
    private GatewayHarness harness;
    private Gateway gateway;
    private WorkerReplay llm;

    @BeforeAll
    void start() {
        harness = new GatewayHarness();
        gateway = harness.start("gw-limits", Duration.ofSeconds(3), Duration.ofMillis(1500));
        llm = new WorkerReplay(harness.redis, gateway);
    }

    @AfterAll
    void stop() throws Exception {
        Teardown.closeAll(llm, gateway, harness);
    }

    @Test
    void aResponseWithNoWorkerOutputFailsInsteadOfHanging() {
        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key)) {
            client.await("conversation.created");
            client.send("{\"type\":\"response.create\"}");
            client.await("rate_limits.updated");
            Envelope job = llm.nextJob();
            ObjectNode done = client.await("response.done");
            assertEquals("failed", done.path("response").path("status").asText());
            assertEquals(
                    "response_timeout",
                    done.path("response")
                            .path("status_details")
                            .path("error")
                            .path("code")
                            .asText());
            assertTrue(llm.cancelled(job.responseId()), "the stuck work is told to stop");
        }
    }

    @Test
    void theSessionEndsAtItsMaximumDurationWithSessionExpired() {
        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key)) {
            long expiresAt = client.next().path("session").path("expires_at").asLong();
            long now = System.currentTimeMillis() / 1000;
            // whole seconds on both sides, and the test may read the event a moment late
            assertTrue(
                    expiresAt - now <= 3 && expiresAt - now >= 1,
                    "expires_at reflects the 3 s cap: " + (expiresAt - now));
            ObjectNode error = client.await("error");
            assertEquals("session_expired", error.path("error").path("code").asText());
            assertEquals(1001, client.awaitClose());
        }
    }
}
