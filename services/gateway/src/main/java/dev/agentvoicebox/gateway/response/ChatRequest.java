package dev.agentvoicebox.gateway.response;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.conversation.Items;
import dev.agentvoicebox.platform.http.Json;
import java.util.List;

/**
 * Builds the {@code llm.request} payload (a Chat Completions body, see services/protocol) from a
 * response's context items and effective settings.
 */
public final class ChatRequest {
    private ChatRequest() {}

    public static ObjectNode build(
            String instructions,
            List<ObjectNode> context,
            JsonNode tools,
            JsonNode toolChoice,
            JsonNode maxOutputTokens,
            JsonNode temperature) {
        ObjectNode body = Json.object();
        body.put("model", "");
        ArrayNode messages = body.putArray("messages");
        if (instructions != null && !instructions.isEmpty()) {
            messages.addObject().put("role", "system").put("content", instructions);
        }
        ObjectNode pendingToolCalls = null;
        for (ObjectNode item : context) {
            String type = item.path("type").asText();
            if ("function_call".equals(type)) {
                // Consecutive calls belong to one assistant turn, as Chat Completions expects.
                if (pendingToolCalls == null) {
                    pendingToolCalls = messages.addObject();
                    pendingToolCalls.put("role", "assistant");
                    pendingToolCalls.putNull("content");
                    pendingToolCalls.putArray("tool_calls");
                }
                ObjectNode call = ((ArrayNode) pendingToolCalls.get("tool_calls")).addObject();
                call.put("id", item.path("call_id").asText());
                call.put("type", "function");
                call.putObject("function")
                        .put("name", item.path("name").asText())
                        .put("arguments", item.path("arguments").asText());
                continue;
            }
            pendingToolCalls = null;
            if ("function_call_output".equals(type)) {
                messages.addObject()
                        .put("role", "tool")
                        .put("tool_call_id", item.path("call_id").asText())
                        .put("content", item.path("output").asText());
            } else if ("message".equals(type)) {
                String text = Items.text(item);
                if (!text.isEmpty()) {
                    messages.addObject().put("role", item.path("role").asText()).put("content", text);
                }
            }
        }
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode chatTools = body.putArray("tools");
            for (JsonNode tool : tools) {
                ObjectNode function =
                        chatTools.addObject().put("type", "function").putObject("function");
                function.put("name", tool.path("name").asText());
                if (tool.has("description")) {
                    function.put("description", tool.get("description").asText());
                }
                function.set(
                        "parameters",
                        tool.has("parameters")
                                ? tool.get("parameters").deepCopy()
                                : Json.object().put("type", "object"));
            }
            body.set("tool_choice", chatToolChoice(toolChoice));
        }
        if (maxOutputTokens != null && maxOutputTokens.isIntegralNumber()) {
            body.put("max_output_tokens", maxOutputTokens.intValue());
        }
        if (temperature != null && temperature.isNumber()) {
            body.put("temperature", temperature.doubleValue());
        }
        return body;
    }

    private static JsonNode chatToolChoice(JsonNode toolChoice) {
        if (toolChoice == null || toolChoice.isMissingNode() || toolChoice.isNull()) {
            return Json.MAPPER.getNodeFactory().textNode("auto");
        }
        if (toolChoice.isTextual()) {
            return toolChoice;
        }
        ObjectNode named = Json.object().put("type", "function");
        named.putObject("function").put("name", toolChoice.path("name").asText());
        return named;
    }
}
