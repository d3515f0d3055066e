package dev.agentvoicebox.gateway.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Fields;
import dev.agentvoicebox.gateway.Ids;
import dev.agentvoicebox.gateway.RealtimeError;
import dev.agentvoicebox.platform.http.Json;
import java.util.Set;

/** Validates client-supplied conversation items and puts them in the server's canonical shape. */
public final class Items {
    private static final Set<String> ITEM_FIELDS =
            Set.of("id", "type", "object", "status", "role", "content", "name", "arguments", "call_id", "output");
    private static final int MAX_ID_LENGTH = 32;

    private Items() {}

    /**
     * Returns a new item: the client's id kept (or a server id), {@code object} and {@code status}
     * set, content validated per role; an optional field sent as null counts as not sent.
     * {@code conversation} resolves function_call_output call ids.
     */
    public static ObjectNode normalize(JsonNode raw, String at, Conversation conversation) {
        ObjectNode source = Fields.object(raw, at);
        Fields.onlyKnown(source, at, ITEM_FIELDS);
        String type = Fields.oneOf(
                Fields.required(source, "type", at),
                Fields.join(at, "type"),
                Set.of("message", "function_call", "function_call_output"));
        ObjectNode item = Json.object();
        item.put("id", id(source, at));
        item.put("type", type);
        item.put("object", "realtime.item");
        item.put("status", "completed");
        switch (type) {
            case "message" -> message(source, item, at);
            case "function_call" -> {
                item.put("name", Fields.requiredString(source, "name", at));
                item.put(
                        "call_id",
                        source.hasNonNull("call_id")
                                ? Fields.string(source.get("call_id"), Fields.join(at, "call_id"))
                                : Ids.call());
                item.put(
                        "arguments",
                        source.hasNonNull("arguments")
                                ? Fields.string(source.get("arguments"), Fields.join(at, "arguments"))
                                : "");
            }
            case "function_call_output" -> {
                String callId = Fields.requiredString(source, "call_id", at);
                if (conversation != null && !conversation.hasFunctionCall(callId)) {
                    throw RealtimeError.invalidValue(
                            Fields.join(at, "call_id"),
                            "No function call with call_id '" + callId + "' in the conversation.");
                }
                item.put("call_id", callId);
                item.put("output", Fields.requiredString(source, "output", at));
            }
            default -> throw new IllegalStateException(type);
        }
        return item;
    }

    private static String id(ObjectNode source, String at) {
        if (!source.hasNonNull("id")) {
            return Ids.item();
        }
        String id = Fields.string(source.get("id"), Fields.join(at, "id"));
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw RealtimeError.invalidValue(
                    Fields.join(at, "id"), "Invalid '" + at + ".id': give 1 to " + MAX_ID_LENGTH + " characters.");
        }
        return id;
    }

    private static void message(ObjectNode source, ObjectNode item, String at) {
        String role = Fields.oneOf(
                Fields.required(source, "role", at), Fields.join(at, "role"), Set.of("user", "assistant", "system"));
        item.put("role", role);
        JsonNode content = Fields.required(source, "content", at);
        String contentAt = Fields.join(at, "content");
        if (!content.isArray()) {
            throw RealtimeError.invalidType(contentAt, "an array");
        }
        Set<String> allowed = switch (role) {
            case "system" -> Set.of("input_text");
            case "user" -> Set.of("input_text", "input_audio");
            default -> Set.of("output_text");
        };
        ArrayNode parts = item.putArray("content");
        for (int i = 0; i < content.size(); i++) {
            String partAt = contentAt + "[" + i + "]";
            ObjectNode part = Fields.object(content.get(i), partAt);
            Fields.onlyKnown(part, partAt, Set.of("type", "text", "audio", "transcript"));
            String partType = Fields.oneOf(Fields.required(part, "type", partAt), Fields.join(partAt, "type"), allowed);
            ObjectNode normalized = parts.addObject();
            normalized.put("type", partType);
            if ("input_audio".equals(partType)) {
                if (part.hasNonNull("audio")) {
                    String audioAt = Fields.join(partAt, "audio");
                    String audio = Fields.string(part.get("audio"), audioAt);
                    try {
                        // Decoded once here; a binary node writes itself back as base64 wherever it is sent.
                        normalized.put("audio", java.util.Base64.getDecoder().decode(audio));
                    } catch (IllegalArgumentException e) {
                        throw RealtimeError.invalidValue(
                                audioAt, "Invalid '" + audioAt + "': expected base64-encoded audio.");
                    }
                }
                normalized.put(
                        "transcript",
                        part.hasNonNull("transcript")
                                ? Fields.string(part.get("transcript"), Fields.join(partAt, "transcript"))
                                : null);
            } else {
                normalized.put("text", Fields.requiredString(part, "text", partAt));
            }
        }
    }

    /** The text a model sees for a message item: its text parts and audio transcripts. */
    public static String text(ObjectNode item) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : item.path("content")) {
            String piece = part.hasNonNull("text")
                    ? part.get("text").asText()
                    : part.hasNonNull("transcript") ? part.get("transcript").asText() : "";
            if (!piece.isEmpty()) {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(piece);
            }
        }
        return text.toString();
    }
}
