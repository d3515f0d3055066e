package dev.agentvoicebox.gateway.realtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.platform.http.Json;
import org.junit.jupiter.api.Test;

class SessionConfigTest {
    private static SessionConfig fresh() {
        return SessionConfig.defaults("sess_1", "gpt-realtime", 100, "");
    }

    private static JsonNode json(String text) throws Exception {
        return Json.parse(text);
    }

    /**
     * OpenAI's GA session defaults (session.created in the API reference), field by field. Ours
     * differ on purpose in two: instructions are empty (OpenAI's persona text names a model and
     * a knowledge cutoff that are not ours) and the voice is alloy, which every tier may use
     * (OpenAI's example shows marin).
     */
    @Test
    void aNewSessionStartsFromOpenAisGaDefaults() throws Exception {
        assertEquals(json("""
                        {"type":"realtime","object":"realtime.session","id":"sess_1","model":"gpt-realtime",
                         "output_modalities":["audio"],"instructions":"",
                         "audio":{"input":{"format":{"type":"audio/pcm","rate":24000},"transcription":null,
                                           "noise_reduction":null,
                                           "turn_detection":{"type":"server_vad","threshold":0.5,
                                            "prefix_padding_ms":300,"silence_duration_ms":500,"idle_timeout_ms":null,
                                            "create_response":true,"interrupt_response":true}},
                                  "output":{"format":{"type":"audio/pcm","rate":24000},"voice":"alloy","speed":1.0}},
                         "include":null,"max_output_tokens":"inf","tool_choice":"auto","tools":[],"tracing":null,
                         "truncation":"auto","prompt":null,"expires_at":100}"""), json(Json.write(fresh().toJson())));
    }

    @Test
    void aPartialUpdateMergesDeepAndKeepsTheRest() throws Exception {
        SessionConfig config = fresh();
        config.apply(json("{\"instructions\":\"hi\",\"audio\":{\"output\":{\"speed\":1.25}}}"));
        assertEquals("hi", config.instructions());
        assertEquals(1.25, config.output().speed());
        assertEquals("alloy", config.output().voice());
        assertEquals(
                "audio/pcm",
                config.toJson()
                        .path("audio")
                        .path("input")
                        .path("format")
                        .path("type")
                        .asText());
    }

    @Test
    void arraysReplaceRatherThanMerge() throws Exception {
        SessionConfig config = fresh();
        config.apply(
                json("{\"tools\":[{\"type\":\"function\",\"name\":\"a\"},{\"type\":\"function\",\"name\":\"b\"}]}"));
        config.apply(json("{\"tools\":[{\"type\":\"function\",\"name\":\"c\"}]}"));
        assertEquals(1, config.tools().size());
        assertEquals("c", config.tools().path(0).path("name").asText());
    }

    @Test
    void aRejectedUpdateChangesNothing() throws Exception {
        SessionConfig config = fresh();
        RealtimeError error = assertThrows(
                RealtimeError.class, () -> config.apply(json("{\"instructions\":\"new\",\"max_output_tokens\":5000}")));
        assertEquals("session.max_output_tokens", error.param());
        assertEquals("", config.instructions());
    }

    @Test
    void errorsNameTheFullPathOfTheParameter() throws Exception {
        SessionConfig config = fresh();
        assertEquals(
                "session.audio.input.turn_detection.eagerness",
                assertThrows(
                                RealtimeError.class,
                                () -> config.apply(
                                        json("{\"audio\":{\"input\":{\"turn_detection\":{\"type\":\"server_vad\","
                                                + "\"eagerness\":\"low\"}}}}")))
                        .param());
        assertEquals(
                "session.tools[1].name",
                assertThrows(
                                RealtimeError.class,
                                () -> config.apply(json("{\"tools\":[{\"name\":\"ok\"},{\"name\":\"no spaces\"}]}")))
                        .param());
        assertEquals(
                "session.audio.output.format.rate",
                assertThrows(
                                RealtimeError.class,
                                () -> config.apply(
                                        json(
                                                "{\"audio\":{\"output\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":16000}}}}")))
                        .param());
        RealtimeError type = assertThrows(RealtimeError.class, () -> config.apply(json("{\"instructions\":7}")));
        assertEquals("invalid_type", type.code());
    }

    @Test
    void switchingTurnDetectionTypeStartsFromThatTypesDefaults() throws Exception {
        SessionConfig config = fresh();
        config.apply(json(
                "{\"audio\":{\"input\":{\"turn_detection\":{\"type\":\"semantic_vad\",\"eagerness\":\"high\"}}}}"));
        JsonNode td = config.toJson().path("audio").path("input").path("turn_detection");
        assertEquals("semantic_vad", td.path("type").asText());
        assertEquals("high", td.path("eagerness").asText());
        assertEquals(true, td.path("threshold").isMissingNode(), "server_vad fields do not linger");
        config.apply(json("{\"audio\":{\"input\":{\"turn_detection\":null}}}"));
        assertEquals(
                true,
                config.toJson()
                        .path("audio")
                        .path("input")
                        .path("turn_detection")
                        .isNull());
    }

    @Test
    void aFormatIsReplacedWholeSoARateDoesNotOutliveItsType() throws Exception {
        SessionConfig config = fresh();
        config.apply(json("{\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcmu\"}}}}"));
        JsonNode format = config.toJson().path("audio").path("input").path("format");
        assertEquals("audio/pcmu", format.path("type").asText());
        assertEquals(true, format.path("rate").isMissingNode());
        assertEquals(
                "audio/pcm",
                config.toJson()
                        .path("audio")
                        .path("output")
                        .path("format")
                        .path("type")
                        .asText());
    }

    @Test
    void outputModalitiesTakeExactlyOneOfTextOrAudio() throws Exception {
        SessionConfig config = fresh();
        config.apply(json("{\"output_modalities\":[\"audio\"]}"));
        assertEquals("audio", config.outputModalities().path(0).asText());
        assertEquals(
                "session.output_modalities",
                assertThrows(
                                RealtimeError.class,
                                () -> config.apply(json("{\"output_modalities\":[\"text\",\"audio\"]}")))
                        .param());
        assertEquals(
                "session.output_modalities[0]",
                assertThrows(RealtimeError.class, () -> config.apply(json("{\"output_modalities\":[\"video\"]}")))
                        .param());
    }

    @Test
    void serverOwnedFieldsEchoedBackAreIgnored() throws Exception {
        SessionConfig config = fresh();
        config.apply(json("{\"id\":\"sess_other\",\"object\":\"realtime.session\",\"expires_at\":1}"));
        assertEquals("sess_1", config.id());
        assertEquals(100, config.toJson().path("expires_at").asLong());
    }
}
