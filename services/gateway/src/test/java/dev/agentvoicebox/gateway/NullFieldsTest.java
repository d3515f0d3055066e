package dev.agentvoicebox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.audio.AudioFormat;
import dev.agentvoicebox.gateway.audio.Pcm16;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import dev.agentvoicebox.protocol.Streams;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every client event with every optional field sent as {@code null}: accepted, with the current
 * value or the default in effect, as at OpenAI (clients send {@code "instructions": null} on every
 * response they ask for). A null required field stays {@code missing_required_parameter}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NullFieldsTest {
    private GatewayHarness harness;
    private Gateway gateway;
    private WorkerReplay llm;
    private WorkerReplay tts;

    @BeforeAll
    void start() {
        harness = new GatewayHarness();
        gateway = harness.start("gw-nulls");
        llm = new WorkerReplay(harness.redis, gateway);
        tts = new WorkerReplay(harness.redis, Streams.TTS_JOBS, Streams.TTS_GROUP, gateway);
    }

    @AfterAll
    void stop() {
        llm.close();
        tts.close();
        gateway.close();
        harness.close();
    }

    private RealtimeClient open() {
        RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key);
        client.await("conversation.created");
        return client;
    }

    private static ObjectNode session(RealtimeClient client, String update) {
        client.send("{\"type\":\"session.update\",\"session\":" + update + "}");
        return (ObjectNode) client.await("session.updated").path("session");
    }

    private static void assertMissing(RealtimeClient client, String event, String param) {
        client.send(event);
        JsonNode error = client.await("error").path("error");
        assertEquals("missing_required_parameter", error.path("code").asText(), error.toString());
        assertEquals(param, error.path("param").asText());
    }

    @Test
    void sessionUpdateKeepsEverySettingSentAsNullAndKeepsTheNullsThatSwitchFeaturesOff() throws Exception {
        try (RealtimeClient client = open()) {
            ObjectNode configured = session(client, """
                    {"type":"realtime","instructions":"Be brief.","output_modalities":["text"],"include":[],
                     "max_output_tokens":100,"tool_choice":"required","truncation":"disabled","temperature":0.7,
                     "tools":[{"type":"function","name":"get_weather"}],
                     "audio":{"input":{"format":{"type":"audio/pcmu"},"transcription":{"language":"en"}},
                              "output":{"format":{"type":"audio/pcma"},"voice":"coral","speed":1.25}}}""");

            client.send("""
                    {"type":"session.update","event_id":null,"session":{"type":null,"model":null,
                     "output_modalities":null,"instructions":null,"include":null,"max_output_tokens":null,
                     "tool_choice":null,"tools":null,"truncation":null,"temperature":null,"id":null,"object":null,
                     "expires_at":null,
                     "audio":{"input":{"format":null},"output":{"format":null,"voice":null,"speed":null}}}}""");
            assertEquals(configured, client.await("session.updated").path("session"), "nothing changed");
            assertEquals(configured, session(client, "{\"audio\":null}"));
            assertEquals(configured, session(client, "{\"audio\":{\"input\":null,\"output\":null}}"));

            ObjectNode nestedNulls = session(client, """
                    {"tools":[{"type":null,"name":"get_time","description":null,"parameters":null}],
                     "tool_choice":{"type":"function","name":"get_time"},
                     "audio":{"input":{"transcription":{"model":null,"language":null,"prompt":null},
                              "turn_detection":{"type":"server_vad","threshold":null,"prefix_padding_ms":null,
                               "silence_duration_ms":null,"create_response":null,"interrupt_response":null,
                               "idle_timeout_ms":null}}}}""");
            assertEquals(Json.parse("[{\"name\":\"get_time\"}]"), nestedNulls.path("tools"));
            JsonNode input = nestedNulls.path("audio").path("input");
            assertEquals(Json.object(), input.path("transcription"), "on, with no hints");
            assertEquals(
                    Json.parse("{\"type\":\"server_vad\",\"threshold\":0.5,\"prefix_padding_ms\":300,"
                            + "\"silence_duration_ms\":500,\"idle_timeout_ms\":null,\"create_response\":true,"
                            + "\"interrupt_response\":true}"),
                    input.path("turn_detection"),
                    "a null field takes its type's default");

            ObjectNode off = session(client, """
                    {"tracing":null,"prompt":null,"audio":{"input":{"transcription":null,"noise_reduction":null,
                     "turn_detection":null}}}""");
            JsonNode offInput = off.path("audio").path("input");
            assertTrue(offInput.path("transcription").isNull(), "null turns transcription off");
            assertTrue(offInput.path("noise_reduction").isNull());
            assertTrue(offInput.path("turn_detection").isNull(), "null means manual turns");
            assertTrue(off.path("tracing").isNull());

            assertMissing(client, "{\"type\":\"session.update\",\"session\":null}", "session");
            assertMissing(
                    client,
                    "{\"type\":\"session.update\",\"session\":{\"audio\":{\"input\":{\"turn_detection\":{\"type\":null}}}}}",
                    "session.audio.input.turn_detection.type");
            assertMissing(
                    client,
                    "{\"type\":\"session.update\",\"session\":{\"audio\":{\"output\":{\"format\":{\"type\":null}}}}}",
                    "session.audio.output.format.type");
            assertMissing(
                    client,
                    "{\"type\":\"session.update\",\"session\":{\"tools\":[{\"type\":\"function\",\"name\":null}]}}",
                    "session.tools[0].name");
            client.send("{\"type\":\"session.update\",\"session\":{\"voices\":null}}");
            assertEquals(
                    "unknown_parameter",
                    client.await("error").path("error").path("code").asText(),
                    "an unknown field is refused even when null");
        }
    }

    @Test
    void conversationItemCreateTakesNullAsNotSet() {
        try (RealtimeClient client = open()) {
            client.send("""
                    {"type":"conversation.item.create","event_id":null,"previous_item_id":null,
                     "item":{"id":null,"type":"message","object":null,"status":null,"role":"user",
                      "content":[{"type":"input_text","text":"hi"}]}}""");
            JsonNode message = client.await("conversation.item.added").path("item");
            assertTrue(message.path("id").asText().startsWith("item_"), "a server id");
            assertEquals("completed", message.path("status").asText());

            client.send("""
                    {"type":"conversation.item.create","previous_item_id":null,
                     "item":{"type":"function_call","name":"get_time","call_id":null,"arguments":null}}""");
            ObjectNode added = client.await("conversation.item.added");
            assertEquals(
                    message.path("id").asText(),
                    added.path("previous_item_id").asText(),
                    "a null previous_item_id appends");
            JsonNode call = added.path("item");
            assertTrue(call.path("call_id").asText().startsWith("call_"), "a server call id");
            assertEquals("", call.path("arguments").asText());

            client.send("""
                    {"type":"conversation.item.create","item":{"type":"message","role":"user",
                     "content":[{"type":"input_audio","audio":null,"transcript":null}]}}""");
            JsonNode part = client.await("conversation.item.added")
                    .path("item")
                    .path("content")
                    .path(0);
            assertEquals("input_audio", part.path("type").asText());
            assertTrue(part.path("transcript").isNull());

            assertMissing(client, "{\"type\":\"conversation.item.create\",\"item\":null}", "item");
            assertMissing(
                    client,
                    "{\"type\":\"conversation.item.create\",\"item\":{\"type\":\"message\",\"role\":null,\"content\":[]}}",
                    "item.role");
            assertMissing(
                    client,
                    "{\"type\":\"conversation.item.create\",\"item\":{\"type\":\"message\",\"role\":\"user\","
                            + "\"content\":[{\"type\":\"input_text\",\"text\":null}]}}",
                    "item.content[0].text");
        }
    }

    @Test
    void responseCreateTakesNullAsTheSessionsSettingAndCancelANullResponseIdAsTheCurrentOne() {
        try (RealtimeClient client = open()) {
            session(client, """
                    {"instructions":"Be brief.","output_modalities":["text"],"max_output_tokens":50,
                     "tool_choice":"required","tools":[{"type":"function","name":"get_weather"}],"temperature":0.7}""");
            client.send(RealtimeGatewayTestMessages.userText("Weather?"));
            client.await("conversation.item.done");

            client.send("""
                    {"type":"response.create","event_id":null,"response":{"conversation":null,"input":null,
                     "instructions":null,"max_output_tokens":null,"metadata":null,"output_modalities":null,
                     "prompt":null,"tool_choice":null,"tools":null,"temperature":null,
                     "audio":{"output":{"format":null,"voice":null}}}}""");
            JsonNode response = client.await("response.created").path("response");
            assertEquals("text", response.path("output_modalities").path(0).asText());
            assertEquals(
                    "alloy", response.path("audio").path("output").path("voice").asText());
            assertTrue(response.path("metadata").isNull());
            assertTrue(response.path("conversation_id").asText().startsWith("conv_"), "in the conversation");
            Envelope job = llm.nextJob();
            JsonNode body = llm.payload(job);
            assertEquals(
                    "Be brief.", body.path("messages").path(0).path("content").asText());
            assertEquals(
                    "Weather?", body.path("messages").path(1).path("content").asText());
            assertEquals(
                    "get_weather",
                    body.path("tools").path(0).path("function").path("name").asText());
            assertEquals("required", body.path("tool_choice").asText());
            assertEquals(50, body.path("max_output_tokens").asInt());
            assertEquals(0.7, body.path("temperature").asDouble());

            client.send("{\"type\":\"response.cancel\",\"event_id\":null,\"response_id\":null}");
            ObjectNode cancelled = client.await("response.done");
            assertEquals("cancelled", cancelled.path("response").path("status").asText());

            client.send("{\"type\":\"response.create\",\"response\":null}");
            assertEquals(
                    "text",
                    client.await("response.created")
                            .path("response")
                            .path("output_modalities")
                            .path(0)
                            .asText());
            assertEquals(
                    "Be brief.",
                    llm.payload(llm.nextJob())
                            .path("messages")
                            .path(0)
                            .path("content")
                            .asText());
            client.send("{\"type\":\"response.cancel\"}");
            client.await("response.done");

            assertMissing(
                    client,
                    "{\"type\":\"response.create\",\"response\":{\"conversation\":\"none\",\"input\":[{\"type\":null}]}}",
                    "response.input[0].type");
        }
    }

    @Test
    void inputAudioBufferEventsTakeANullEventId() {
        try (RealtimeClient client = open()) {
            session(client, "{\"audio\":{\"input\":{\"turn_detection\":null}}}");
            String audio = AudioFormat.PCM.encodeBase64(new short[24_000 / 5]);
            client.send(Json.object()
                    .put("type", "input_audio_buffer.append")
                    .putNull("event_id")
                    .put("audio", audio));
            client.send("{\"type\":\"input_audio_buffer.commit\",\"event_id\":null}");
            client.await("input_audio_buffer.committed");
            client.send("{\"type\":\"input_audio_buffer.clear\",\"event_id\":null}");
            client.await("input_audio_buffer.cleared");
            assertMissing(client, "{\"type\":\"input_audio_buffer.append\",\"audio\":null}", "audio");
        }
    }

    /** Also the default at work: a session nobody configured answers with speech, as at OpenAI. */
    @Test
    void truncateRetrieveAndDeleteTakeANullEventIdOnASpokenAnswer() {
        try (RealtimeClient client = open()) {
            client.send(RealtimeGatewayTestMessages.userText("Greet me"));
            client.await("conversation.item.done");
            client.send("{\"type\":\"response.create\",\"response\":{\"instructions\":null}}");
            assertEquals(
                    "audio",
                    client.await("response.created")
                            .path("response")
                            .path("output_modalities")
                            .path(0)
                            .asText());
            Envelope answer = llm.nextJob();
            llm.text(answer, "Hello there.");
            llm.done(answer, "stop", 5, 3);
            Envelope sentence = tts.nextJob();
            tts.reply(
                    sentence,
                    Kinds.TTS_AUDIO,
                    Json.write(Json.object()
                            .put("segment", 0)
                            .put("rate", 24_000)
                            .put("audio", Base64.getEncoder().encodeToString(Pcm16.toBytes(new short[24_000 / 2])))));
            tts.reply(
                    sentence,
                    Kinds.TTS_DONE,
                    Json.write(
                            Json.object().put("segment", 0).put("rate", 24_000).put("duration_ms", 500)));
            List<ObjectNode> events = client.until("response.done");
            JsonNode item = events.get(events.size() - 1)
                    .path("response")
                    .path("output")
                    .path(0);
            assertEquals(
                    "output_audio", item.path("content").path(0).path("type").asText());
            String itemId = item.path("id").asText();

            client.send("{\"type\":\"conversation.item.truncate\",\"event_id\":null,\"item_id\":\"" + itemId
                    + "\",\"content_index\":0,\"audio_end_ms\":250}");
            assertEquals(
                    250,
                    client.await("conversation.item.truncated")
                            .path("audio_end_ms")
                            .asInt());
            client.send("{\"type\":\"conversation.item.retrieve\",\"event_id\":null,\"item_id\":\"" + itemId + "\"}");
            assertEquals(
                    itemId,
                    client.await("conversation.item.retrieved")
                            .path("item")
                            .path("id")
                            .asText());
            assertMissing(
                    client,
                    "{\"type\":\"conversation.item.truncate\",\"item_id\":\"" + itemId
                            + "\",\"content_index\":null,\"audio_end_ms\":0}",
                    "content_index");
            client.send("{\"type\":\"conversation.item.delete\",\"event_id\":null,\"item_id\":\"" + itemId + "\"}");
            assertEquals(
                    itemId,
                    client.await("conversation.item.deleted").path("item_id").asText());
            assertMissing(client, "{\"type\":\"conversation.item.retrieve\",\"item_id\":null}", "item_id");
            assertMissing(client, "{\"type\":\"conversation.item.delete\",\"item_id\":null}", "item_id");
        }
    }
}
