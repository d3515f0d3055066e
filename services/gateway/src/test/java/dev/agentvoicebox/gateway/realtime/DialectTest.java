package dev.agentvoicebox.gateway.realtime;

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

    /** The beta reference's defaults for a new session: text and audio, alloy, pcm16, 0.8. */
    @Test
    void aNewSessionInTheBetaShapeHasTheBetaDefaults() throws Exception {
        ObjectNode beta = Dialect.BETA.session(
                SessionConfig.defaults("sess_1", "m", 0, "").toJson());
        assertEquals(Json.parse("[\"text\",\"audio\"]"), beta.path("modalities"));
        assertEquals("alloy", beta.path("voice").asText());
        assertEquals("pcm16", beta.path("input_audio_format").asText());
        assertEquals("pcm16", beta.path("output_audio_format").asText());
        assertEquals(true, beta.path("input_audio_transcription").isNull());
        assertEquals(
                Json.parse("{\"type\":\"server_vad\",\"threshold\":0.5,\"prefix_padding_ms\":300,"
                        + "\"silence_duration_ms\":500,\"idle_timeout_ms\":null,\"create_response\":true,"
                        + "\"interrupt_response\":true}"),
                beta.path("turn_detection"));
        assertEquals("auto", beta.path("tool_choice").asText());
        assertEquals(0, beta.path("tools").size());
        assertEquals(0.8, beta.path("temperature").asDouble());
        assertEquals("inf", beta.path("max_response_output_tokens").asText());
        assertEquals(1.0, beta.path("speed").asDouble());
    }

    @Test
    void betaSettingsSentAsNullAreNotSetExceptTheOnesThatSwitchFeaturesOff() throws Exception {
        SessionConfig config = SessionConfig.defaults("sess_1", "m", 0, "");
        config.apply(Dialect.BETA.sessionConfig((ObjectNode) Json.parse("""
                {"modalities":["text"],"voice":"sage","input_audio_format":"g711_alaw","output_audio_format":"g711_ulaw",
                 "input_audio_transcription":{"model":"whisper-1"},"temperature":0.6}""")));
        config.apply(Dialect.BETA.sessionConfig((ObjectNode) Json.parse("""
                {"modalities":null,"voice":null,"input_audio_format":null,"output_audio_format":null,"speed":null,
                 "instructions":null,"tools":null,"tool_choice":null,"temperature":null,
                 "max_response_output_tokens":null,"input_audio_transcription":null,"turn_detection":null}""")));
        ObjectNode beta = Dialect.BETA.session(config.toJson());
        assertEquals(Json.parse("[\"text\"]"), beta.path("modalities"));
        assertEquals("sage", beta.path("voice").asText());
        assertEquals("g711_alaw", beta.path("input_audio_format").asText());
        assertEquals("g711_ulaw", beta.path("output_audio_format").asText());
        assertEquals(0.6, beta.path("temperature").asDouble());
        assertEquals(true, beta.path("input_audio_transcription").isNull(), "null turns transcription off");
        assertEquals(true, beta.path("turn_detection").isNull(), "null means manual turns");
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
