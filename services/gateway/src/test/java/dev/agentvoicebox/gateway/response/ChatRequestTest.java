package dev.agentvoicebox.gateway.response;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.conversation.Items;
import dev.agentvoicebox.platform.http.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatRequestTest {
    private static ObjectNode item(String json) throws Exception {
        return Items.normalize(Json.parse(json), "item", null);
    }

    @Test
    void consecutiveCallsShareOneAssistantTurnAndOutputsFollowAsToolMessages() throws Exception {
        List<ObjectNode> context = List.of(
                item("{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"a\"},"
                        + "{\"type\":\"input_audio\",\"transcript\":\"b\"}]}"),
                item("{\"type\":\"function_call\",\"name\":\"f\",\"call_id\":\"c1\",\"arguments\":\"{}\"}"),
                item("{\"type\":\"function_call\",\"name\":\"g\",\"call_id\":\"c2\",\"arguments\":\"{}\"}"),
                item("{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"1\"}"),
                item("{\"type\":\"function_call_output\",\"call_id\":\"c2\",\"output\":\"2\"}"));
        ObjectNode body = ChatRequest.build(
                "sys",
                context,
                Json.MAPPER.createArrayNode(),
                null,
                Json.MAPPER.getNodeFactory().textNode("inf"),
                null);
        JsonNode messages = body.path("messages");
        assertEquals(5, messages.size());
        assertEquals("a\nb", messages.path(1).path("content").asText());
        assertEquals(2, messages.path(2).path("tool_calls").size());
        assertEquals("c2", messages.path(4).path("tool_call_id").asText());
        assertFalse(body.has("tools"), "no tools, no tool_choice");
        assertFalse(body.has("max_output_tokens"), "'inf' leaves the limit to the model");
    }

    @Test
    void aNamedToolChoiceBecomesTheChatCompletionsShape() throws Exception {
        ObjectNode body = ChatRequest.build(
                "",
                List.of(),
                Json.parse("[{\"type\":\"function\",\"name\":\"f\"}]"),
                Json.parse("{\"type\":\"function\",\"name\":\"f\"}"),
                Json.MAPPER.getNodeFactory().numberNode(50),
                null);
        assertEquals("f", body.path("tool_choice").path("function").path("name").asText());
        assertEquals(
                "object",
                body.path("tools")
                        .path(0)
                        .path("function")
                        .path("parameters")
                        .path("type")
                        .asText());
        assertEquals(50, body.path("max_output_tokens").asInt());
        assertEquals(0, body.path("messages").size());
    }
}
