package dev.agentvoicebox.gateway.response;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Fields;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.gateway.access.SessionAccess;
import dev.agentvoicebox.gateway.conversation.Conversation;
import dev.agentvoicebox.gateway.conversation.Items;
import dev.agentvoicebox.gateway.realtime.SessionConfig;
import dev.agentvoicebox.platform.http.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checked {@code response.create}: its per-response overrides (validated like a session update
 * and held to the tenant's policy), where it goes, its metadata and the items it answers.
 *
 * @param params         the validated per-response settings of the {@code response} object (empty when absent)
 * @param inConversation false for {@code conversation: "none"}: out of band, nothing is added
 * @param context        the items the model reads: {@code input} when given, else the conversation
 */
public record ResponseRequest(
        ObjectNode params, boolean inConversation, ObjectNode metadata, List<ObjectNode> context) {
    private static final Set<String> PARAMS = Set.of(
            "conversation",
            "input",
            "instructions",
            "max_output_tokens",
            "metadata",
            "output_modalities",
            "prompt",
            "tool_choice",
            "tools",
            "audio",
            "temperature");

    /** The response a server_vad turn asks for: the session's settings, the whole conversation. */
    static ResponseRequest automatic(Conversation conversation) {
        return new ResponseRequest(Json.object(), true, null, conversation.items());
    }

    static ResponseRequest parse(ObjectNode event, Conversation conversation, SessionAccess access) {
        ObjectNode params =
                event.hasNonNull("response") ? Fields.object(event.get("response"), "response") : Json.object();
        Fields.onlyKnown(params, "response", PARAMS);
        boolean inConversation = true;
        if (params.hasNonNull("conversation")) {
            String target = Fields.string(params.get("conversation"), "response.conversation");
            if (!Set.of("auto", "none").contains(target)) {
                throw RealtimeError.invalidValue(
                        "response.conversation",
                        "Invalid value: '" + target + "'. Supported values are: 'auto', 'none'.");
            }
            inConversation = "auto".equals(target);
        }
        ObjectNode overrides = params.deepCopy();
        overrides.remove(List.of("conversation", "input", "metadata"));
        SessionConfig.validate(overrides, "response");
        access.police(overrides, "response");
        ObjectNode metadata = metadata(params.get("metadata"));
        List<ObjectNode> context =
                params.hasNonNull("input") ? inputItems(params.get("input"), conversation) : conversation.items();
        // The validated overrides, not the raw params: a field sent as null is gone from them.
        return new ResponseRequest(overrides, inConversation, metadata, context);
    }

    /** The request's own value of a setting, else the session's. */
    JsonNode setting(String name, JsonNode sessionValue) {
        return params.has(name) ? params.get(name) : sessionValue;
    }

    private static List<ObjectNode> inputItems(JsonNode input, Conversation conversation) {
        if (!input.isArray()) {
            throw RealtimeError.invalidType("response.input", "an array");
        }
        List<ObjectNode> items = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            String at = "response.input[" + i + "]";
            JsonNode raw = input.get(i);
            if ("item_reference".equals(raw.path("type").asText())) {
                ObjectNode reference = Fields.object(raw, at);
                Fields.onlyKnown(reference, at, Set.of("type", "id"));
                String refId = Fields.requiredString(reference, "id", at);
                items.add(conversation
                        .find(refId)
                        .orElseThrow(() -> RealtimeError.invalidValue(
                                Fields.join(at, "id"), "Item with id '" + refId + "' not found in the conversation.")));
            } else {
                // Out-of-band input may answer calls that are not in the default conversation.
                items.add(Items.normalize(raw, at, null));
            }
        }
        return items;
    }

    private static ObjectNode metadata(JsonNode metadata) {
        if (metadata == null || metadata.isNull()) {
            return null;
        }
        ObjectNode map = Fields.object(metadata, "response.metadata");
        if (map.size() > 16) {
            throw RealtimeError.invalidValue("response.metadata", "Metadata holds at most 16 keys.");
        }
        for (Map.Entry<String, JsonNode> entry : map.properties()) {
            String at = "response.metadata." + entry.getKey();
            if (entry.getKey().length() > 64) {
                throw RealtimeError.invalidValue(at, "Metadata keys are at most 64 characters.");
            }
            if (Fields.string(entry.getValue(), at).length() > 512) {
                throw RealtimeError.invalidValue(at, "Metadata values are at most 512 characters.");
            }
        }
        return map.deepCopy();
    }
}
