package dev.agentvoicebox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.testing.Teardown;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import dev.agentvoicebox.protocol.Streams;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The gateway over a real socket and a real Redis, with the llm side of the streams played by hand. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealtimeGatewayTest {
    private GatewayHarness harness;
    private Gateway gateway;
    private WorkerReplay llm;

    @BeforeAll
    void start() {
        harness = new GatewayHarness();
        gateway = harness.start("gw-test");
        llm = new WorkerReplay(harness.redis, gateway);
    }

    @AfterAll
    void stop() throws Exception {
        Teardown.closeAll(llm, gateway, harness);
    }

    /** A session that answers in text, so the llm replay alone completes its responses. */
    private RealtimeClient open() {
        RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key);
        assertEquals("session.created", client.next().path("type").asText());
        assertEquals("conversation.created", client.next().path("type").asText());
        client.send("{\"type\":\"session.update\",\"session\":{\"output_modalities\":[\"text\"]}}");
        client.await("session.updated");
        return client;
    }

    private static List<String> types(List<ObjectNode> events) {
        return events.stream().map(e -> e.path("type").asText()).toList();
    }

    private static String userMessage(String text) {
        return RealtimeGatewayTestMessages.userText(text);
    }

    /** Sends a user message and response.create; returns the llm job the response became. */
    private Envelope respondTo(RealtimeClient client, String text) {
        client.send(userMessage(text));
        client.await("conversation.item.done");
        client.send("{\"type\":\"response.create\"}");
        client.await("rate_limits.updated");
        return llm.nextJob();
    }

    @Test
    void sessionCreatedComesFirstWithTheFullSessionObject() {
        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key)) {
            ObjectNode created = client.next();
            assertEquals("session.created", created.path("type").asText());
            JsonNode session = created.path("session");
            assertTrue(session.path("id").asText().startsWith("sess_"));
            assertEquals("realtime", session.path("type").asText());
            assertEquals("audio", session.path("output_modalities").path(0).asText(), "OpenAI's default");
            assertEquals(
                    "server_vad",
                    session.path("audio")
                            .path("input")
                            .path("turn_detection")
                            .path("type")
                            .asText());
            assertTrue(created.path("event_id").asText().startsWith("event_"));
        }
    }

    @Test
    void textTurnProducesTheFullEventSequenceAndTheJobCarriesTheConversation() {
        try (RealtimeClient client = open()) {
            client.send("""
                    {"type":"session.update","session":{"type":"realtime","instructions":"Be brief."}}""");
            ObjectNode updated = client.await("session.updated");
            assertEquals(
                    "Be brief.", updated.path("session").path("instructions").asText());
            assertEquals(
                    "alloy",
                    updated.path("session")
                            .path("audio")
                            .path("output")
                            .path("voice")
                            .asText(),
                    "a partial update keeps the other settings");

            client.send(userMessage("Hello there"));
            ObjectNode added = client.next();
            assertEquals("conversation.item.added", added.path("type").asText());
            assertTrue(added.path("previous_item_id").isNull());
            String userItem = added.path("item").path("id").asText();
            assertEquals("conversation.item.done", client.next().path("type").asText());

            client.send("{\"type\":\"response.create\",\"response\":{\"metadata\":{\"topic\":\"greeting\"}}}");
            ObjectNode created = client.next();
            assertEquals("response.created", created.path("type").asText());
            assertEquals("in_progress", created.path("response").path("status").asText());
            assertEquals(
                    "greeting",
                    created.path("response").path("metadata").path("topic").asText());
            assertEquals("rate_limits.updated", client.next().path("type").asText());

            Envelope job = llm.nextJob();
            assertEquals(created.path("response").path("id").asText(), job.responseId());
            assertEquals(Streams.gatewayStream("gw-test"), job.replyTo());
            assertEquals(55, job.traceparent().length(), "a W3C traceparent travels with the job");
            JsonNode messages = llm.payload(job).path("messages");
            assertEquals("system", messages.path(0).path("role").asText());
            assertEquals("Be brief.", messages.path(0).path("content").asText());
            assertEquals("user", messages.path(1).path("role").asText());
            assertEquals("Hello there", messages.path(1).path("content").asText());

            llm.text(job, "Hi");
            llm.text(job, " there!");
            llm.done(job, "stop", 12, 3);
            List<ObjectNode> events = client.until("response.done");
            assertEquals(
                    List.of(
                            "response.output_item.added",
                            "conversation.item.added",
                            "response.content_part.added",
                            "response.output_text.delta",
                            "response.output_text.delta",
                            "response.output_text.done",
                            "response.content_part.done",
                            "response.output_item.done",
                            "conversation.item.done",
                            "response.done"),
                    types(events));
            assertEquals(userItem, events.get(1).path("previous_item_id").asText());
            assertEquals("Hi there!", events.get(5).path("text").asText());
            ObjectNode done = events.get(events.size() - 1);
            JsonNode response = done.path("response");
            assertEquals("completed", response.path("status").asText());
            assertEquals(15, response.path("usage").path("total_tokens").asInt());
            assertEquals("greeting", response.path("metadata").path("topic").asText());
            JsonNode item = response.path("output").path(0);
            assertEquals("assistant", item.path("role").asText());
            assertEquals(
                    "output_text", item.path("content").path(0).path("type").asText());
            assertEquals("Hi there!", item.path("content").path(0).path("text").asText());
            assertEquals("completed", item.path("status").asText());
        }
    }

    @Test
    void toolCallsStreamArgumentsAndTheOutputFeedsTheNextResponse() {
        try (RealtimeClient client = open()) {
            client.send("""
                    {"type":"session.update","session":{"tools":[{"type":"function","name":"get_weather",
                     "description":"Weather for a city","parameters":{"type":"object",
                     "properties":{"city":{"type":"string"}},"required":["city"]}}],"tool_choice":"auto"}}""");
            client.await("session.updated");
            Envelope job = respondTo(client, "Weather in Paris?");
            JsonNode tools = llm.payload(job).path("tools");
            assertEquals(
                    "get_weather", tools.path(0).path("function").path("name").asText());
            assertEquals("auto", llm.payload(job).path("tool_choice").asText());

            llm.toolCall(job, 0, "get_weather", "{\"ci");
            llm.toolCall(job, 0, null, "ty\":\"Paris\"}");
            llm.done(job, "tool_calls", 20, 8);
            List<ObjectNode> events = client.until("response.done");
            assertEquals(
                    List.of(
                            "response.output_item.added",
                            "conversation.item.added",
                            "response.function_call_arguments.delta",
                            "response.function_call_arguments.delta",
                            "response.function_call_arguments.done",
                            "response.output_item.done",
                            "conversation.item.done",
                            "response.done"),
                    types(events));
            ObjectNode argsDone = events.get(4);
            assertEquals("{\"city\":\"Paris\"}", argsDone.path("arguments").asText());
            String callId = argsDone.path("call_id").asText();
            assertTrue(callId.matches("call_[0-9A-Za-z]{22}"), callId);
            assertEquals(callId, events.get(0).path("item").path("call_id").asText());
            assertEquals("get_weather", argsDone.path("name").asText());
            assertEquals(
                    "function_call",
                    events.get(7)
                            .path("response")
                            .path("output")
                            .path(0)
                            .path("type")
                            .asText());

            client.send("""
                    {"type":"conversation.item.create","item":{"type":"function_call_output","call_id":"%s",
                     "output":"{\\"temp_c\\":21}"}}""".formatted(callId));
            client.await("conversation.item.done");
            client.send("{\"type\":\"response.create\"}");
            client.await("rate_limits.updated");
            JsonNode messages = llm.payload(job = llm.nextJob()).path("messages");
            JsonNode assistant = messages.path(messages.size() - 2);
            assertEquals("assistant", assistant.path("role").asText());
            assertEquals(callId, assistant.path("tool_calls").path(0).path("id").asText());
            assertEquals(
                    "{\"city\":\"Paris\"}",
                    assistant
                            .path("tool_calls")
                            .path(0)
                            .path("function")
                            .path("arguments")
                            .asText());
            JsonNode tool = messages.path(messages.size() - 1);
            assertEquals("tool", tool.path("role").asText());
            assertEquals(callId, tool.path("tool_call_id").asText());
            llm.text(job, "It is 21 degrees.");
            llm.done(job, "stop", 30, 5);
            assertEquals(
                    "completed",
                    client.await("response.done")
                            .path("response")
                            .path("status")
                            .asText());
        }
    }

    @Test
    void oneActiveResponseAndCancelStopsTheWorkAndDropsLateOutput() throws Exception {
        try (RealtimeClient client = open()) {
            Envelope job = respondTo(client, "Tell me a long story");
            llm.text(job, "Once upon");
            client.await("response.output_text.delta");

            client.send("{\"type\":\"response.create\",\"event_id\":\"evt_second\"}");
            ObjectNode error = client.await("error");
            assertEquals(
                    "conversation_already_has_active_response",
                    error.path("error").path("code").asText());
            assertEquals("evt_second", error.path("error").path("event_id").asText());

            client.send("{\"type\":\"response.cancel\"}");
            List<ObjectNode> events = client.until("response.done");
            ObjectNode done = events.get(events.size() - 1);
            assertEquals("cancelled", done.path("response").path("status").asText());
            assertEquals(
                    "client_cancelled",
                    done.path("response").path("status_details").path("reason").asText());
            assertEquals(
                    "incomplete",
                    done.path("response").path("output").path(0).path("status").asText());
            assertTrue(llm.cancelled(job.responseId()), "workers are told to stop");

            llm.text(job, " a time");
            llm.done(job, "stop", 1, 1);
            assertTrue(client.silentFor(Duration.ofMillis(500)), "late output of a cancelled response is dropped");

            client.send("{\"type\":\"response.cancel\",\"event_id\":\"evt_nothing\"}");
            ObjectNode notActive = client.await("error");
            assertEquals(
                    "response_cancel_not_active",
                    notActive.path("error").path("code").asText());
            assertEquals("evt_nothing", notActive.path("error").path("event_id").asText());
        }
    }

    @Test
    void badEventsGetErrorsNamingTheProblemAndTheSessionGoesOn() {
        try (RealtimeClient client = open()) {
            client.send("{not json");
            ObjectNode badJson = client.await("error");
            assertEquals("invalid_event", badJson.path("error").path("code").asText());

            client.send("{\"type\":\"session.teleport\",\"event_id\":\"e1\"}");
            ObjectNode unknownType = client.await("error");
            assertEquals("invalid_event", unknownType.path("error").path("code").asText());
            assertEquals("e1", unknownType.path("error").path("event_id").asText());

            client.send("{\"type\":\"conversation.item.create\",\"event_id\":\"e2\"}");
            ObjectNode missing = client.await("error");
            assertEquals(
                    "missing_required_parameter",
                    missing.path("error").path("code").asText());
            assertEquals("item", missing.path("error").path("param").asText());
            assertEquals("e2", missing.path("error").path("event_id").asText());

            client.send(
                    "{\"type\":\"session.update\",\"event_id\":\"e3\",\"session\":{\"audio\":{\"output\":{\"volume\":3}}}}");
            ObjectNode unknownParam = client.await("error");
            assertEquals(
                    "unknown_parameter", unknownParam.path("error").path("code").asText());
            assertEquals(
                    "session.audio.output.volume",
                    unknownParam.path("error").path("param").asText());

            client.send("{\"type\":\"session.update\",\"event_id\":\"e4\",\"session\":{\"instructions\":\"kept?\","
                    + "\"audio\":{\"output\":{\"voice\":\"darth\"}}}}");
            ObjectNode badVoice = client.await("error");
            assertEquals("invalid_value", badVoice.path("error").path("code").asText());
            assertEquals(
                    "session.audio.output.voice",
                    badVoice.path("error").path("param").asText());

            client.send("{\"type\":\"input_audio_buffer.commit\",\"event_id\":\"e5\"}");
            assertEquals(
                    "input_audio_buffer_commit_empty",
                    client.await("error").path("error").path("code").asText());

            client.send("{\"type\":\"session.update\",\"session\":{}}");
            ObjectNode updated = client.await("session.updated");
            assertEquals(
                    "",
                    updated.path("session").path("instructions").asText(),
                    "a refused update applies nothing, not even its valid fields");
        }
    }

    @Test
    void anEventOver15MiBIsRefusedWithAnErrorAndTheSessionStaysOpen() {
        try (RealtimeClient client = open()) {
            String big = "{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + "A".repeat(15 * 1024 * 1024) + "\"}";
            client.send(big);
            ObjectNode error = client.await("error");
            assertEquals("invalid_event", error.path("error").path("code").asText());
            assertTrue(error.path("error").path("message").asText().contains("15 MiB"));
            client.send("{\"type\":\"input_audio_buffer.clear\"}");
            assertEquals(
                    "input_audio_buffer.cleared",
                    client.await("input_audio_buffer.cleared").path("type").asText());
        }
    }

    @Test
    void anAudioItemsAudioComesBackOnlyThroughRetrieve() {
        String audio = java.util.Base64.getEncoder().encodeToString(new byte[4_800]);
        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key)) {
            client.await("conversation.created");
            client.send("""
                    {"type":"conversation.item.create","item":{"id":"spoken","type":"message","role":"user",
                     "content":[{"type":"input_audio","audio":"%s","transcript":"hello there"}]}}""".formatted(audio));
            for (String announced : List.of("conversation.item.added", "conversation.item.done")) {
                JsonNode part =
                        client.await(announced).path("item").path("content").path(0);
                assertEquals("hello there", part.path("transcript").asText());
                assertFalse(part.has("audio"), announced + " does not repeat the audio");
            }
            String sessionId = onlySessionOf(client);
            awaitOrder(sessionId, List.of("spoken"));
            assertFalse(
                    gateway.store().items(sessionId).get("spoken").contains(audio.substring(0, 64)),
                    "Redis holds no audio");

            client.send("{\"type\":\"conversation.item.retrieve\",\"item_id\":\"spoken\"}");
            JsonNode part = client.await("conversation.item.retrieved")
                    .path("item")
                    .path("content")
                    .path(0);
            assertEquals(audio, part.path("audio").asText());
            assertEquals("hello there", part.path("transcript").asText());

            client.send("""
                    {"type":"conversation.item.create","event_id":"noise","item":{"type":"message","role":"user",
                     "content":[{"type":"input_audio","audio":"not base64!"}]}}""");
            ObjectNode refused = client.await("error");
            assertEquals("noise", refused.path("error").path("event_id").asText());
            assertEquals(
                    "item.content[0].audio", refused.path("error").path("param").asText());

            client.send("{\"type\":\"conversation.item.delete\",\"item_id\":\"spoken\"}");
            client.await("conversation.item.deleted");
            client.send("{\"type\":\"conversation.item.retrieve\",\"event_id\":\"gone\",\"item_id\":\"spoken\"}");
            assertEquals(
                    "gone", client.await("error").path("error").path("event_id").asText());
        }
    }

    @Test
    void itemsKeepClientIdsAndOrderAndLiveInRedis() {
        try (RealtimeClient client = open()) {
            client.send("""
                    {"type":"conversation.item.create","item":{"id":"first","type":"message","role":"user",
                     "content":[{"type":"input_text","text":"one"}]}}""");
            client.await("conversation.item.done");
            client.send("""
                    {"type":"conversation.item.create","previous_item_id":"root","item":{"id":"zero","type":"message",
                     "role":"system","content":[{"type":"input_text","text":"zero"}]}}""");
            ObjectNode rootAdded = client.await("conversation.item.added");
            assertTrue(rootAdded.path("previous_item_id").isNull());
            client.await("conversation.item.done");
            client.send("""
                    {"type":"conversation.item.create","previous_item_id":"zero","item":{"id":"half","type":"message",
                     "role":"user","content":[{"type":"input_text","text":"half"}]}}""");
            assertEquals(
                    "zero",
                    client.await("conversation.item.added")
                            .path("previous_item_id")
                            .asText());
            client.await("conversation.item.done");

            client.send("""
                    {"type":"conversation.item.create","event_id":"dup","item":{"id":"first","type":"message",
                     "role":"user","content":[{"type":"input_text","text":"again"}]}}""");
            assertEquals(
                    "dup", client.await("error").path("error").path("event_id").asText());
            client.send("""
                    {"type":"conversation.item.create","event_id":"nowhere","previous_item_id":"ghost","item":
                     {"type":"message","role":"user","content":[{"type":"input_text","text":"x"}]}}""");
            assertEquals(
                    "previous_item_id",
                    client.await("error").path("error").path("param").asText());
            client.send("""
                    {"type":"conversation.item.create","event_id":"orphan","item":{"type":"function_call_output",
                     "call_id":"call_missing","output":"x"}}""");
            assertEquals(
                    "item.call_id",
                    client.await("error").path("error").path("param").asText());

            client.send("{\"type\":\"conversation.item.retrieve\",\"item_id\":\"half\"}");
            assertEquals(
                    "half",
                    client.await("conversation.item.retrieved")
                            .path("item")
                            .path("content")
                            .path(0)
                            .path("text")
                            .asText());
            client.send("{\"type\":\"conversation.item.delete\",\"item_id\":\"first\"}");
            assertEquals(
                    "first",
                    client.await("conversation.item.deleted").path("item_id").asText());
            client.send(
                    "{\"type\":\"conversation.item.truncate\",\"item_id\":\"half\",\"content_index\":0,\"audio_end_ms\":10}");
            assertEquals(
                    "item_id",
                    client.await("error").path("error").path("param").asText(),
                    "only assistant messages can be truncated");

            String sessionId = onlySessionOf(client);
            awaitOrder(sessionId, List.of("zero", "half"));
            assertTrue(gateway.store().items(sessionId).get("half").contains("\"text\":\"half\""));
        }
    }

    private String onlySessionOf(RealtimeClient client) {
        client.send("{\"type\":\"session.update\",\"session\":{}}");
        return client.await("session.updated").path("session").path("id").asText();
    }

    private void awaitOrder(String sessionId, List<String> expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!expected.equals(gateway.store().itemOrder(sessionId))) {
            if (System.nanoTime() > deadline) {
                assertEquals(expected, gateway.store().itemOrder(sessionId));
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void aReclaimedJobThatReplaysTheSameTextDoesNotRepeatIt() {
        try (RealtimeClient client = open()) {
            Envelope job = respondTo(client, "Count");
            llm.text(job, "one ");
            llm.text(job, "two ");
            assertEquals(
                    "one ",
                    client.await("response.output_text.delta").path("delta").asText());
            assertEquals(
                    "two ",
                    client.await("response.output_text.delta").path("delta").asText());

            Envelope retry = job.withAttempt(2);
            llm.text(retry, "one two");
            llm.text(retry, " three");
            llm.text(job, "stale ");
            llm.done(retry, "stop", 5, 3);
            List<ObjectNode> events = client.until("response.done");
            String rest = events.stream()
                    .filter(e ->
                            "response.output_text.delta".equals(e.path("type").asText()))
                    .map(e -> e.path("delta").asText())
                    .reduce("", String::concat);
            assertEquals("three", rest.trim());
            ObjectNode done = events.get(events.size() - 1);
            assertEquals("completed", done.path("response").path("status").asText());
            assertEquals(
                    "one two three",
                    done.path("response")
                            .path("output")
                            .path(0)
                            .path("content")
                            .path(0)
                            .path("text")
                            .asText());
        }
    }

    @Test
    void aRetryThatDisagreesWithWhatWasSentFailsTheResponse() {
        try (RealtimeClient client = open()) {
            Envelope job = respondTo(client, "Count");
            llm.text(job, "alpha");
            client.await("response.output_text.delta");
            llm.text(job.withAttempt(2), "beta");
            ObjectNode done = client.await("response.done");
            assertEquals("failed", done.path("response").path("status").asText());
            assertEquals(
                    "response_interrupted",
                    done.path("response")
                            .path("status_details")
                            .path("error")
                            .path("code")
                            .asText());
        }
    }

    @Test
    void aRetryThatDisagreesInsideADeltaThatAlsoBringsNewTextFailsTheResponse() {
        try (RealtimeClient client = open()) {
            Envelope job = respondTo(client, "Count");
            llm.text(job, "one two ");
            client.await("response.output_text.delta");
            Envelope retry = job.withAttempt(2);
            llm.text(retry, "one ");
            llm.text(retry, "too three");
            List<ObjectNode> events = client.until("response.done");
            assertFalse(types(events).contains("response.output_text.delta"), "nothing of the disagreeing retry");
            JsonNode response = events.get(events.size() - 1).path("response");
            assertEquals("failed", response.path("status").asText());
            assertEquals(
                    "response_interrupted",
                    response.path("status_details").path("error").path("code").asText());
        }
    }

    @Test
    void textAfterAToolCallOpensANewMessageInsteadOfWritingToTheClosedOne() {
        try (RealtimeClient client = open()) {
            Envelope job = respondTo(client, "Weather in Paris?");
            llm.text(job, "Checking.");
            llm.toolCall(job, 0, "get_weather", "{}");
            llm.text(job, " Asked.");
            llm.done(job, "tool_calls", 5, 3);
            List<ObjectNode> events = client.until("response.done");
            JsonNode output = events.get(events.size() - 1).path("response").path("output");
            assertEquals(3, output.size(), output.toString());
            String first = output.path(0).path("id").asText();
            int firstDone = types(events).indexOf("response.output_item.done");
            assertEquals(first, events.get(firstDone).path("item").path("id").asText());
            assertTrue(
                    events.subList(firstDone + 1, events.size()).stream()
                            .noneMatch(e -> first.equals(e.path("item_id").asText())),
                    "nothing for the first message after its output_item.done");
            assertEquals(
                    "Checking.",
                    output.path(0).path("content").path(0).path("text").asText());
            assertEquals("function_call", output.path(1).path("type").asText());
            assertEquals(
                    " Asked.",
                    output.path(2).path("content").path(0).path("text").asText());
        }
    }

    /** A tool call piece as a worker that names its calls itself sends it (older workers; providers' ids). */
    private void namedToolCall(Envelope job, String callId, String name, String arguments) {
        llm.reply(
                job,
                Kinds.LLM_TOOL_CALL_DELTA,
                Json.write(Json.object()
                        .put("index", 0)
                        .put("call_id", callId)
                        .put("name", name)
                        .put("arguments", arguments)));
    }

    private String callIdOfAnswer(RealtimeClient client, String text) {
        Envelope job = respondTo(client, text);
        namedToolCall(job, "call_same", "get_weather", "{}");
        llm.done(job, "tool_calls", 1, 1);
        List<ObjectNode> events = client.until("response.done");
        String callId = events.get(0).path("item").path("call_id").asText();
        for (ObjectNode event : events) {
            if (event.has("call_id")) {
                assertEquals(callId, event.path("call_id").asText(), event.toString());
            }
        }
        return callId;
    }

    @Test
    void everyToolCallGetsItsOwnCallIdWhateverTheWorkerCallsIt() {
        List<String> ids = new java.util.ArrayList<>();
        try (RealtimeClient client = open()) {
            ids.add(callIdOfAnswer(client, "Weather?"));
            ids.add(callIdOfAnswer(client, "Weather?"));
        }
        try (RealtimeClient client = open()) {
            ids.add(callIdOfAnswer(client, "Weather?"));
        }
        assertEquals(3, ids.stream().distinct().count(), ids.toString());
        assertTrue(ids.stream().allMatch(id -> id.matches("call_[0-9A-Za-z]{22}")), ids.toString());
    }

    @Test
    void aReclaimedToolCallIsTheSameCallEvenWhenTheRetryNamesItDifferently() {
        try (RealtimeClient client = open()) {
            Envelope job = respondTo(client, "Weather in Paris?");
            namedToolCall(job, "call_first_attempt", "get_weather", "{\"ci");
            String callId = client.await("response.function_call_arguments.delta")
                    .path("call_id")
                    .asText();
            Envelope retry = job.withAttempt(2);
            namedToolCall(retry, "call_second_attempt", "get_weather", "{\"city\":");
            llm.toolCall(retry, 0, null, "\"Paris\"}");
            llm.done(retry, "tool_calls", 5, 3);
            List<ObjectNode> events = client.until("response.done");
            assertFalse(types(events).contains("response.output_item.added"), "no second call item");
            String rest = events.stream()
                    .filter(e -> "response.function_call_arguments.delta"
                            .equals(e.path("type").asText()))
                    .peek(e -> assertEquals(callId, e.path("call_id").asText()))
                    .map(e -> e.path("delta").asText())
                    .reduce("", String::concat);
            assertEquals("ty\":\"Paris\"}", rest, "only the arguments the client has not seen");
            JsonNode response = events.get(events.size() - 1).path("response");
            assertEquals("completed", response.path("status").asText());
            assertEquals(1, response.path("output").size());
            assertEquals(callId, response.path("output").path(0).path("call_id").asText());
            assertEquals(
                    "{\"city\":\"Paris\"}",
                    response.path("output").path(0).path("arguments").asText());
        }
    }

    @Test
    void aRetryThatCallsAnotherToolFailsTheResponse() {
        try (RealtimeClient client = open()) {
            Envelope job = respondTo(client, "Weather in Paris?");
            llm.toolCall(job, 0, "get_weather", "{}");
            client.await("response.function_call_arguments.delta");
            llm.toolCall(job.withAttempt(2), 0, "send_email", "{}");
            ObjectNode done = client.await("response.done");
            assertEquals("failed", done.path("response").path("status").asText());
            assertEquals(
                    "response_interrupted",
                    done.path("response")
                            .path("status_details")
                            .path("error")
                            .path("code")
                            .asText());
        }
    }

    @Test
    void aWorkerErrorFailsTheResponseWithItsMessage() {
        try (RealtimeClient client = open()) {
            client.send(
                    "{\"type\":\"response.create\",\"response\":{\"conversation\":\"none\",\"input\":["
                            + "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"hi\"}]}]}}");
            client.await("rate_limits.updated");
            Envelope job = llm.nextJob();
            assertEquals(
                    "hi",
                    llm.payload(job).path("messages").path(0).path("content").asText());
            llm.error(job, "unavailable", "All model providers are unavailable.");
            ObjectNode done = client.await("response.done");
            assertEquals("failed", done.path("response").path("status").asText());
            assertTrue(done.path("response").path("conversation_id").isNull());
            assertEquals(
                    "All model providers are unavailable.",
                    done.path("response")
                            .path("status_details")
                            .path("error")
                            .path("message")
                            .asText());
        }
    }

    @Test
    void outOfBandResponsesDoNotWriteToTheConversation() {
        try (RealtimeClient client = open()) {
            client.send(
                    "{\"type\":\"response.create\",\"response\":{\"conversation\":\"none\",\"metadata\":{\"k\":\"v\"},"
                            + "\"instructions\":\"Classify.\",\"input\":[]}}");
            client.await("rate_limits.updated");
            Envelope job = llm.nextJob();
            assertEquals(
                    "Classify.",
                    llm.payload(job).path("messages").path(0).path("content").asText());
            assertEquals(1, llm.payload(job).path("messages").size(), "an empty input clears the context");
            llm.text(job, "neutral");
            llm.done(job, "stop", 2, 1);
            List<ObjectNode> events = client.until("response.done");
            assertFalse(types(events).contains("conversation.item.added"));
            assertEquals(
                    "v",
                    events.get(events.size() - 1)
                            .path("response")
                            .path("metadata")
                            .path("k")
                            .asText());
        }
    }

    @Test
    void betaClientsGetTheBetaShape() {
        try (RealtimeClient client = RealtimeClient.connect(
                gateway.port(),
                "",
                Map.of("Authorization", "Bearer " + harness.key, "OpenAI-Beta", "realtime=v1"),
                List.of())) {
            ObjectNode created = client.next();
            assertEquals("session.created", created.path("type").asText());
            assertEquals(
                    List.of("text", "audio"),
                    List.of(
                            created.path("session").path("modalities").path(0).asText(),
                            created.path("session").path("modalities").path(1).asText()));
            assertEquals(
                    "pcm16", created.path("session").path("input_audio_format").asText());
            assertTrue(created.path("session").path("output_modalities").isMissingNode());

            client.send("{\"type\":\"session.update\",\"session\":{\"modalities\":[\"text\"],\"voice\":\"echo\","
                    + "\"max_response_output_tokens\":100}}");
            ObjectNode updated = client.await("session.updated");
            assertEquals("echo", updated.path("session").path("voice").asText());
            assertEquals(
                    100,
                    updated.path("session").path("max_response_output_tokens").asInt());

            client.send("""
                    {"type":"conversation.item.create","item":{"type":"message","role":"assistant",
                     "content":[{"type":"text","text":"earlier answer"}]}}""");
            ObjectNode itemCreated = client.await("conversation.item.created");
            assertEquals(
                    "text",
                    itemCreated
                            .path("item")
                            .path("content")
                            .path(0)
                            .path("type")
                            .asText());
            client.send("{\"type\":\"response.create\"}");
            client.await("rate_limits.updated");
            Envelope job = llm.nextJob();
            assertEquals(100, llm.payload(job).path("max_output_tokens").asInt());
            llm.text(job, "beta!");
            llm.done(job, "stop", 1, 1);
            List<String> types = types(client.until("response.done"));
            assertTrue(types.contains("response.text.delta"), types.toString());
            assertTrue(types.contains("response.text.done"));
            assertTrue(types.contains("conversation.item.created"));
            assertFalse(types.contains("conversation.item.done"));
            assertFalse(types.contains("response.output_text.delta"));
        }
    }

    @Test
    void keysAreAcceptedInAllThreePlacesAndAWrongKeyIs401() throws Exception {
        try (RealtimeClient browser = RealtimeClient.connect(
                gateway.port(), "", Map.of(), List.of("realtime", "openai-insecure-api-key." + harness.key))) {
            assertEquals("realtime", browser.subprotocol());
            assertEquals("session.created", browser.next().path("type").asText());
        }
        try (RealtimeClient query = RealtimeClient.connect(
                gateway.port(), "?model=gpt-realtime&api-key=" + harness.key, Map.of(), List.of())) {
            assertEquals(
                    "gpt-realtime", query.next().path("session").path("model").asText());
        }
        CompletionException refused = assertThrows(
                CompletionException.class,
                () -> RealtimeClient.connect(
                        gateway.port(), "", Map.of("Authorization", "Bearer sk-wrong"), List.of()));
        WebSocketHandshakeException handshake = assertInstanceOf(WebSocketHandshakeException.class, refused.getCause());
        assertEquals(401, handshake.getResponse().statusCode());

        HttpResponse<String> plain = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/realtime"))
                                .header("Authorization", "Bearer sk-wrong")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(401, plain.statusCode());
        assertEquals(
                "invalid_api_key",
                Json.parse(plain.body()).path("error").path("code").asText());
        assertFalse(plain.body().contains("sk-wrong"), "error bodies never echo a key");
    }

    @Test
    void aClientSecretOpensOneConfiguredSessionAndAGarbageOneIsRefused() throws Exception {
        HttpResponse<String> minted = post("/v1/realtime/client_secrets", harness.key, """
                {"expires_after":{"anchor":"created_at","seconds":60},
                 "session":{"type":"realtime","instructions":"You are a pirate."}}""");
        assertEquals(200, minted.statusCode(), minted.body());
        JsonNode secret = Json.parse(minted.body());
        String value = secret.path("value").asText();
        assertTrue(value.startsWith("ek_"));
        assertEquals(
                "You are a pirate.", secret.path("session").path("instructions").asText());
        long lifetime = secret.path("expires_at").asLong() - System.currentTimeMillis() / 1000;
        assertTrue(lifetime > 50 && lifetime <= 60, "the secret lapses with its expires_after: " + lifetime);

        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), value)) {
            assertEquals(
                    "You are a pirate.",
                    client.next().path("session").path("instructions").asText());
        }
        HttpResponse<String> fromSecret = post("/v1/realtime/client_secrets", value, "{}");
        assertEquals(403, fromSecret.statusCode(), "a client secret cannot mint more secrets");
        assertEquals(
                "client_secret_not_allowed",
                Json.parse(fromSecret.body()).path("error").path("code").asText());
        assertThrows(CompletionException.class, () -> RealtimeClient.connect(gateway.port(), "ek_forged"));

        HttpResponse<String> tooLong =
                post("/v1/realtime/client_secrets", harness.key, "{\"expires_after\":{\"seconds\":9000}}");
        assertEquals(400, tooLong.statusCode());
        assertEquals(
                "expires_after.seconds",
                Json.parse(tooLong.body()).path("error").path("param").asText());
        HttpResponse<String> badSession =
                post("/v1/realtime/client_secrets", harness.key, "{\"session\":{\"tool_choice\":\"sometimes\"}}");
        assertEquals(
                "session.tool_choice",
                Json.parse(badSession.body()).path("error").path("param").asText());

        HttpResponse<String> beta = post(
                "/v1/realtime/sessions", harness.key, "{\"modalities\":[\"text\"],\"instructions\":\"Beta pirate.\"}");
        assertEquals(200, beta.statusCode(), beta.body());
        JsonNode betaSession = Json.parse(beta.body());
        assertTrue(betaSession.path("client_secret").path("value").asText().startsWith("ek_"));
        assertEquals("Beta pirate.", betaSession.path("instructions").asText());
    }

    @Test
    void anyInstanceListsInspectsAndCancelsTheTenantsSessions() throws Exception {
        try (Gateway other = harness.start("gw-other");
                RealtimeClient client = open()) {
            client.send(userMessage("remember me"));
            client.await("conversation.item.done");
            String sessionId = onlySessionOf(client);

            JsonNode list = Json.parse(get(other, "/v1/realtime/sessions").body());
            assertTrue(list.path("data").findValuesAsText("id").contains(sessionId), list.toString());
            JsonNode inspected =
                    Json.parse(get(other, "/v1/realtime/sessions/" + sessionId).body());
            assertEquals("gw-test", inspected.path("gateway").asText());
            assertEquals(
                    "remember me",
                    inspected
                            .path("items")
                            .path(0)
                            .path("content")
                            .path(0)
                            .path("text")
                            .asText());

            HttpResponse<String> cancelled = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            "http://127.0.0.1:" + other.port() + "/v1/realtime/sessions/" + sessionId))
                                    .header("Authorization", "Bearer " + harness.key)
                                    .DELETE()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(202, cancelled.statusCode());
            assertEquals(
                    "session_cancelled",
                    client.await("error").path("error").path("code").asText());
            assertEquals(1000, client.awaitClose());
            assertEquals(404, get(other, "/v1/realtime/sessions/" + sessionId).statusCode());
            assertEquals(
                    401,
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create(
                                                    "http://127.0.0.1:" + other.port() + "/v1/realtime/sessions"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode());
        }
    }

    private HttpResponse<String> post(String path, String key, String body) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                                .header("Authorization", "Bearer " + key)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(Gateway instance, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port() + path))
                                .header("Authorization", "Bearer " + harness.key)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
