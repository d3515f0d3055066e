package dev.agentvoicebox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.http.Json;
import org.junit.jupiter.api.Test;

class DialectTest {
    @Test
    void theBetaHeaderOrSubprotocolSelectsBeta() {
        assertSame(Dialect.BETA, Dialect.of("realtime=v1", java.util.List.of()));
        assertSame(Dialect.BETA, Dialect.of(null, java.util.List.of("realtime", "openai-beta.realtime-v1")));
        assertSame(Dialect.GA, Dialect.of(null, java.util.List.of("realtime")));
    }

    @Test
    void betaSessionSettingsBecomeTheGaShapeAndValidate() throws Exception {
        ObjectNode beta = (ObjectNode)
                Json.parse(
                        "{\"modalities\":[\"text\"],\"voice\":\"sage\","
                                + "\"input_audio_format\":\"g711_ulaw\",\"turn_detection\":null,\"max_response_output_tokens\":\"inf\"}");
        ObjectNode ga = Dialect.BETA.sessionConfig(beta);
        assertEquals("text", ga.path("output_modalities").path(0).asText());
        assertEquals("sage", ga.path("audio").path("output").path("voice").asText());
        assertEquals(
                "audio/pcmu",
                ga.path("audio").path("input").path("format").path("type").asText());
        assertEquals("inf", ga.path("max_output_tokens").asText());
        SessionConfig config = SessionConfig.defaults("sess_1", "m", 0, "");
        config.apply(ga);
        ObjectNode back = Dialect.BETA.session(config.toJson());
        assertEquals("g711_ulaw", back.path("input_audio_format").asText());
        assertEquals("sage", back.path("voice").asText());
        assertEquals(true, back.path("turn_detection").isNull());
    }

    @Test
    void serverEventsAreRenamedAndItemDoneHasNoBetaTwin() throws Exception {
        ObjectNode delta = (ObjectNode) Json.parse("{\"type\":\"response.output_text.delta\",\"delta\":\"x\"}");
        assertEquals(
                "response.text.delta", Dialect.BETA.outbound(delta).path("type").asText());
        ObjectNode added = (ObjectNode) Json.parse("{\"type\":\"conversation.item.added\",\"item\":{\"content\":"
                + "[{\"type\":\"output_text\",\"text\":\"t\"}]}}");
        ObjectNode created = Dialect.BETA.outbound(added);
        assertEquals("conversation.item.created", created.path("type").asText());
        assertEquals(
                "text",
                created.path("item").path("content").path(0).path("type").asText());
        assertNull(Dialect.BETA.outbound((ObjectNode) Json.parse("{\"type\":\"conversation.item.done\"}")));
        ObjectNode ga = (ObjectNode) Json.parse("{\"type\":\"response.output_text.delta\"}");
        assertEquals(
                "response.output_text.delta",
                Dialect.GA.outbound(ga).path("type").asText());
    }
}
