package dev.agentvoicebox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentvoicebox.platform.Telemetry;
import dev.agentvoicebox.platform.testing.RedisServer;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** When the gateway's Redis goes away, new sessions are refused clearly and live ones stay open. */
class RedisOutageTest {
    @Test
    void newSessionsGet503AndTheLiveOneStaysOpen() throws Exception {
        SecureStack stack = SecureStack.shared();
        try (RedisServer own = RedisServer.start();
                Telemetry telemetry = Telemetry.start("gateway-test")) {
            GatewaySettings settings = stack.gateway(
                    own.url(), "gw-outage", Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(30), 1000);
            try (Gateway gateway = new Gateway(settings, telemetry).start();
                    RealtimeClient live = RealtimeClient.connect(gateway.port(), stack.devKey)) {
                live.await("conversation.created");
                own.close();

                CompletionException refused = assertThrows(
                        CompletionException.class, () -> RealtimeClient.connect(gateway.port(), stack.devKey));
                var handshake = assertInstanceOf(WebSocketHandshakeException.class, refused.getCause())
                        .getResponse();
                assertEquals(503, handshake.statusCode());
                assertTrue(
                        String.valueOf(handshake.body()).contains("service_unavailable"),
                        String.valueOf(handshake.body()));

                live.send("{\"type\":\"input_audio_buffer.clear\"}");
                assertEquals(
                        "input_audio_buffer.cleared",
                        live.await("input_audio_buffer.cleared").path("type").asText(),
                        "the live session still answers");
                live.send("{\"type\":\"response.create\",\"event_id\":\"during-outage\"}");
                var error = live.await("error");
                assertEquals(
                        "during-outage", error.path("error").path("event_id").asText());
                assertFalse(error.path("error").path("code").asText().isEmpty());
                assertTrue(live.silentFor(Duration.ofMillis(300)), "the session is not closed");
            }
        }
    }
}
